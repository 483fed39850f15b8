// Reading what a control plane or an agent exports at /metrics (/-/metrics for an agent): the
// positive signals tests wait for (a snapshot version applied, a counter moved) instead of a sleep.

/** The value of one series (exact label set as printed), or undefined when absent. */
export function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** The configuration version the control plane at `url` serves (palisade_control_plane_snapshot_version). */
export async function controlPlaneVersion(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return sample(text, "palisade_control_plane_snapshot_version") ?? 0;
}

/** The configuration version the agent at `url` has applied (palisade_agent_snapshot_version). */
export async function agentVersion(url: string): Promise<number> {
  const text = await (await fetch(`${url}/-/metrics`)).text();
  return sample(text, "palisade_agent_snapshot_version") ?? 0;
}

/** Whether the agent at `agentUrl` runs the version the control plane at `controlPlaneUrl` serves now. */
export async function agentCaughtUp(agentUrl: string, controlPlaneUrl: string): Promise<boolean> {
  const [served, applied] = await Promise.all([controlPlaneVersion(controlPlaneUrl), agentVersion(agentUrl)]);
  return served > 0 && applied >= served;
}

// Reading what a control plane or an agent exports at /metrics (/-/metrics for an agent): the
// positive signals tests wait for (a snapshot version applied, a counter moved) instead of a sleep.
import { eventually } from "./eventually.js";

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

/** Alert evaluation passes the control plane at `url` has completed (palisade_control_plane_alert_passes_total). */
export async function alertPasses(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return sample(text, "palisade_control_plane_alert_passes_total") ?? 0;
}

/**
 * Resolves once the control plane at `url` has completed two more evaluation passes than now, so
 * that at least one whole pass started after this call: what it would fire on has been judged.
 */
export async function afterFreshPass(url: string): Promise<void> {
  const now = await alertPasses(url);
  await eventually(`two alert passes after ${now}`, async () => (await alertPasses(url)) >= now + 2);
}

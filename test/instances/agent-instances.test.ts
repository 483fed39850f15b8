// Agent instances end to end: two agents sharing one enrolment token (two replicas of one
// Deployment) show as two instances of one agent, each with its own stream state and applied
// snapshot; each exchange records the instance that handled it.
import { expect, it } from "vitest";
import { startAgent, type Agent } from "../../agent/agent.js";
import { runPalisade } from "../cli/test-context.js";
import { eventually } from "../support/eventually.js";
import { chatOnce, useInProcessBed, type InProcessBed } from "../faults/fault-bed.js";
import { palisade } from "../support/stack.js";

interface InstanceJson { instance: string; connected: boolean; appliedVersion: string }
interface AgentJson { connected: boolean; connectedInstances: number; appliedVersion: string; instances: InstanceJson[] }

let bed: InProcessBed;
const agents: Agent[] = [];

useInProcessBed((started) => {
  bed = started;
}, { cleanup: async () => {
  for (const agent of agents) await agent.close();
} });

/** The configuration version the control plane serves now. */
async function served(): Promise<string> {
  return ((await (await fetch(`${bed.controlPlane.url}/readyz`)).json()) as { version: string }).version;
}

async function show(name: string): Promise<AgentJson> {
  return JSON.parse(await palisade(bed.env, ["agent", "show", name, "-o", "json"])) as AgentJson;
}

it("shows two agents of one token as two instances with their own applied versions", async () => {
  const token = (await palisade(bed.env, ["agent", "create", "pool"])).trim();
  for (let i = 0; i < 2; i++) agents.push(await startAgent({ listen: "127.0.0.1:0", controlPlane: bed.controlPlane.url, token }));
  const [a, b] = agents as [Agent, Agent];
  expect(a.instance).not.toBe(b.instance);

  // Both connect and ACK the current snapshot, each on its own row.
  const both = await eventually("both instances connected and on the served version", async () => {
    const [agent, version] = [await show("pool"), await served()];
    return agent.connectedInstances === 2 && agent.instances.every((i) => i.appliedVersion === version) ? agent : undefined;
  });
  expect(both.instances.map((i) => i.instance).sort()).toEqual([a.instance, b.instance].sort());
  const first = both.appliedVersion;
  expect(both.instances.map((i) => i.appliedVersion)).toEqual([first, first]);

  // Each exchange names the instance that handled it.
  for (const agent of [a, b]) {
    const outcome = await chatOnce(`${agent.url}/standin/v1`, bed.token, "hello");
    expect(outcome.status).toBe(200);
    const shown = await eventually("the session stored", async () => {
      const run = await runPalisade(["audit", "show", outcome.session!, "-o", "json"], bed.env);
      return run.code === 0 ? (JSON.parse(run.stdout) as { agent: string; agentInstance?: string }) : undefined;
    });
    expect(shown).toMatchObject({ agent: "pool", agentInstance: agent.instance });
  }

  // One instance stops; a change reaches the other: the list tells them apart.
  await b.close();
  await palisade(bed.env, ["apply", "-f", "-"], "kind: Policy\nname: allow-all\nconnections: [\"*\"]\naction: allow\nreason: changed\n");
  const after = await eventually("the running instance on the new snapshot", async () => {
    const [agent, version] = [await show("pool"), await served()];
    const running = agent.instances.find((i) => i.instance === a.instance);
    return version !== first && running?.appliedVersion === version ? agent : undefined;
  });
  expect(after).toMatchObject({ connected: true, connectedInstances: 1 });
  expect(after.instances).toEqual([
    expect.objectContaining({ instance: a.instance, connected: true, appliedVersion: after.appliedVersion }),
    expect.objectContaining({ instance: b.instance, connected: false, appliedVersion: first }),
  ]);
  expect(Number(after.appliedVersion)).toBeGreaterThan(Number(first));

  const table = await palisade(bed.env, ["agent", "list"]);
  expect(table).toMatch(/^pool\s+\S*\s*true\s+1\/2\s/m);
  expect(await palisade(bed.env, ["agent", "show", "pool"])).toContain(b.instance);
}, 90_000);

// kill -9 of the control plane under steady load through a real agent process, then a restart on
// the same port and database: the agent keeps serving on its last snapshot and buffering records,
// every request succeeds, its last policies still hold (a keyword deny refuses, a mask policy
// masks), and once the control plane is back every one is stored exactly once.
// While it is away the documented fail-closed cases refuse: an agent that never had a snapshot,
// and an agent whose buffer of unacknowledged records is full.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAgent, type Agent } from "../../agent/agent.js";
import { testDatabase, type TestDatabase } from "../support/database.js";
import { adminEnv, palisade } from "../support/control-plane-bed.js";
import { startStandInProvider, type StandInProvider } from "../support/stand-in-provider.js";
import {
  chatOnce,
  clearError,
  configure,
  freePort,
  killAll,
  settledSessions,
  startAgentProcess,
  startControlPlaneProcess,
  startLoad,
  stopProcess,
  succeeded,
  type PalisadeProcess,
} from "./fault-bed.js";
import { eventually } from "../support/eventually.js";

let db: TestDatabase;
let provider: StandInProvider;
let controlPlane: PalisadeProcess | undefined;
const inProcess: Agent[] = [];
let cpPort: number;
let server: string;
let env: Record<string, string>;
let token: string;

beforeAll(async () => {
  db = await testDatabase();
  if (db.url === undefined) return; // the control plane as a process needs PostgreSQL
  provider = await startStandInProvider();
  cpPort = await freePort();
  server = `http://127.0.0.1:${cpPort}`;
  env = adminEnv(server);
  controlPlane = await startControlPlaneProcess(cpPort, db.url);
  token = await configure(env, provider);
}, 120_000);

afterAll(async () => {
  await killAll();
  for (const agent of inProcess) await agent.close();
  await provider?.close();
  await db?.close();
});

/** Policies the agent must keep enforcing while the control plane is away. */
const ENFORCED = `kind: Policy
name: deny-bird
priority: 100
connections: ["*"]
match: { keywords: [nightingale] }
action: deny
---
kind: Policy
name: mask-email
priority: 50
connections: ["*"]
action: mask
detectors: [email]
`;

/** Resolves once `baseURL` serves a chat completion. */
async function serving(baseURL: string): Promise<string> {
  await eventually(`${baseURL} to serve`, async () => (succeeded(await chatOnce(baseURL, token, "ready?")) ? true : undefined));
  return baseURL;
}

/** Enrols `name` and starts it in this process (the side agents; the steady one has its own process). */
async function sideAgent(name: string, bufferSize?: number): Promise<string> {
  const enrolment = (await palisade(env, ["agent", "create", name])).trim();
  const agent = await startAgent({ listen: "127.0.0.1:0", controlPlane: server, token: enrolment, bufferSize });
  inProcess.push(agent);
  return `${agent.url}/standin/v1`;
}

describe("the control plane killed with SIGKILL and restarted", () => {
  it("loses no exchange, stores none twice, and the fail-closed cases refuse meanwhile", { timeout: 240_000, tags: ["postgres"] }, async (context) => {
    if (db.url === undefined) return context.skip("needs the local PostgreSQL (the control plane runs as its own process)");
    const port = await freePort();
    await startAgentProcess(port, server, (await palisade(env, ["agent", "create", "steady"])).trim());
    const baseURL = await serving(`http://127.0.0.1:${port}/standin/v1`);
    await palisade(env, ["apply", "-f", "-"], ENFORCED);
    await eventually("the agent to enforce the deny", async () => ((await chatOnce(baseURL, token, "nightingale")).status === 403 ? true : undefined));
    const tight = await serving(await sideAgent("tight", 3));
    // Enrolled now, started only once the control plane is gone: it never gets a snapshot.
    const neverEnrolled = (await palisade(env, ["agent", "create", "late"])).trim();

    const load = startLoad(baseURL, token);
    await load.answered(10, "before the kill");
    await stopProcess(controlPlane, "SIGKILL");
    const killedAt = Date.now();

    // Fail closed while it is away: no snapshot ever → 503; a full buffer → 503 "audit buffer full".
    const late = await startAgent({ listen: "127.0.0.1:0", controlPlane: server, token: neverEnrolled });
    inProcess.push(late);
    const noSnapshot = await chatOnce(`${late.url}/standin/v1`, token, "no snapshot");
    expect(noSnapshot.status).toBe(503);
    expect(clearError(noSnapshot)).toBe(true);
    const tightOutcomes = [];
    for (let i = 0; i < 5; i++) tightOutcomes.push(await chatOnce(tight, token, `tight ${i}`));
    // Three records fill its buffer: nothing acknowledges them until the control plane is back.
    expect(tightOutcomes.map((outcome) => outcome.status)).toEqual([200, 200, 200, 503, 503]);
    expect(tightOutcomes.slice(3).every(clearError)).toBe(true);
    expect((tightOutcomes[3]!.body as { error: { message: string } }).error.message).toMatch(/audit buffer full/);

    // The last policies still hold while it is away.
    const denied = await chatOnce(baseURL, token, "tell me about the nightingale");
    expect(denied.status).toBe(403);
    expect(clearError(denied)).toBe(true);
    const masked = await chatOnce(baseURL, token, "mask me while away: carol@example.net");
    expect(masked.status).toBe(200);
    const forwarded = provider.requests.filter((request) => request.body.includes("mask me while away"));
    expect(forwarded.map((request) => request.body.includes("carol@example.net") ? "raw" : request.body.includes("[EMAIL]") ? "masked" : "?")).toEqual(["masked"]);

    await load.answered(10, "while the control plane is away");
    controlPlane = await startControlPlaneProcess(cpPort, db.url);
    const restartedAt = Date.now();
    await load.answered(10, "after the restart");
    const outcomes = await load.stop();

    const away = outcomes.filter((outcome) => outcome.startedAt > killedAt && outcome.startedAt < restartedAt);
    expect(away.length).toBeGreaterThan(5);
    // The steady agent served on its last snapshot throughout: every request succeeded.
    expect(outcomes.filter((outcome) => !succeeded(outcome))).toEqual([]);
    const ids = [...outcomes, ...tightOutcomes.slice(0, 3), denied, masked].map((outcome) => outcome.session!);
    const counts = await settledSessions(env, ids);
    expect(ids.filter((id) => counts.get(id) !== 1)).toEqual([]);
    // Refused requests were never forwarded, and are not stored as allowed exchanges.
    expect(counts.has(tightOutcomes[3]!.session!)).toBe(false);
  });
});

// The control plane goes away and comes back on the same port and database while traffic flows
// through a real agent: the agent keeps serving on its last snapshot, holds the exchanges it
// recorded meanwhile, reconnects, and every exchange ends up stored exactly once.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAgent, type Agent } from "../../agent/agent.js";
import { startControlPlane, type ControlPlane } from "../../control-plane/control-plane.js";
import { runPalisade } from "../cli/test-context.js";
import { eventually } from "../e2e/eventually.js";
import { testDatabase, type TestDatabase } from "../support/database.js";
import { startStandInProvider, type StandInProvider } from "../support/stand-in-provider.js";

const ADMIN_TOKEN = "pat_restart-admin-token-0123456789";

let db: TestDatabase;
let dataDir: string;
let controlPlane: ControlPlane | undefined;
let address: string;
let agent: Agent;
let provider: StandInProvider;
let client: OpenAI;

function env(): Record<string, string> {
  return { PALISADE_SERVER: `http://${address}`, PALISADE_TOKEN: ADMIN_TOKEN, PALISADE_DATA_DIR: dataDir };
}

/** Starts the control plane on the same address and data as before (PostgreSQL or PGlite files). */
async function startPlane(listen: string): Promise<ControlPlane> {
  const plane = await startControlPlane({ listen, databaseUrl: db.url, dataDir, adminToken: ADMIN_TOKEN });
  address = new URL(plane.url).host;
  return plane;
}

/** Ids of the chat completions the control plane stored (the readiness probes are left out). */
async function storedSessionIds(): Promise<string[]> {
  const run = await runPalisade(["audit", "list", "--limit", "1000", "-o", "json"], env());
  expect(run.code, run.stderr).toBe(0);
  const sessions = JSON.parse(run.stdout) as { id: string; request: { path: string } }[];
  return sessions.filter((session) => session.request.path.endsWith("/chat/completions")).map((session) => session.id);
}

/** One chat completion through the agent; returns its session id. */
async function chat(prompt: string): Promise<string> {
  const { response } = await client.chat.completions.create({ model: "stand-in", messages: [{ role: "user", content: prompt }] }).withResponse();
  const session = response.headers.get("x-palisade-session");
  expect(session).toBeTruthy();
  return session!;
}

beforeAll(async () => {
  db = await testDatabase();
  dataDir = await mkdtemp(join(tmpdir(), "palisade-restart-"));
  provider = await startStandInProvider();
  controlPlane = await startPlane("127.0.0.1:0");

  const enrol = await runPalisade(["agent", "create", "steady"], env());
  expect(enrol.code, enrol.stderr).toBe(0);
  agent = await startAgent({ listen: "127.0.0.1:0", controlPlane: `http://${address}`, token: enrol.stdout.trim() });
  const applied = await runPalisade(["apply", "-f", "-"], env(), `kind: Connection
name: standin
provider: openai
upstream: ${provider.url}
credential: { header: authorization, value: Bearer sk-upstream }
`);
  expect(applied.code, applied.stderr).toBe(0);
  const issued = await runPalisade(["token", "create", "--subject", "restart@example.com"], env());
  client = new OpenAI({ baseURL: `${agent.url}/standin/v1`, apiKey: issued.stdout.trim(), maxRetries: 0 });
  await eventually("the agent to serve connection standin", async () => {
    const response = await fetch(`${agent.url}/standin/v1/models`, { headers: { authorization: `Bearer ${issued.stdout.trim()}` } });
    await response.body?.cancel();
    return response.status === 200 ? true : undefined;
  });
});

afterAll(async () => {
  await agent?.close();
  await controlPlane?.close();
  await provider?.close();
  await db?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe("control plane restart under traffic", () => {
  it("loses no exchange and stores none twice", { timeout: 90_000 }, async () => {
    const sent: string[] = [];
    for (let i = 0; i < 5; i++) sent.push(await chat(`before ${i}`));
    await eventually("the first exchanges to be stored", async () => ((await storedSessionIds()).length === sent.length ? true : undefined));

    // Control plane gone: the agent keeps serving on its last good snapshot and buffers records.
    await controlPlane!.close();
    controlPlane = undefined;
    for (let i = 0; i < 10; i++) sent.push(await chat(`while away ${i}`));

    controlPlane = await startPlane(address);
    for (let i = 0; i < 5; i++) sent.push(await chat(`after ${i}`));

    const stored = await eventually("every exchange to be stored", async () => {
      const ids = await storedSessionIds();
      return ids.length >= sent.length ? ids : undefined;
    }, 30_000);
    expect(stored.length).toBe(sent.length);
    expect(new Set(stored)).toEqual(new Set(sent));
  });
});

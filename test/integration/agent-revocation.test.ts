// Deleting an agent revokes it everywhere: its stream ends, and it stops serving (503) instead of
// going on with the connections' credentials on configuration the control plane no longer gives it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAgent, type Agent } from "../../agent/agent.js";
import { startControlPlane, type ControlPlane } from "../../control-plane/control-plane.js";
import { runPalisade } from "../cli/test-context.js";
import { eventually } from "../e2e/eventually.js";
import { testDatabase, type TestDatabase } from "../support/database.js";
import { startStandInProvider, type StandInProvider } from "../support/stand-in-provider.js";

const ADMIN_TOKEN = "pat_revocation-admin-token-0123456789";

let db: TestDatabase;
let controlPlane: ControlPlane;
let agent: Agent;
let provider: StandInProvider;
let env: Record<string, string>;
let callerToken: string;

async function modelsStatus(): Promise<number> {
  const response = await fetch(`${agent.url}/standin/v1/models`, { headers: { authorization: `Bearer ${callerToken}` } });
  await response.body?.cancel();
  return response.status;
}

beforeAll(async () => {
  db = await testDatabase();
  controlPlane = await startControlPlane({ listen: "127.0.0.1:0", databaseUrl: db.url, adminToken: ADMIN_TOKEN });
  provider = await startStandInProvider();
  env = { PALISADE_SERVER: controlPlane.url, PALISADE_TOKEN: ADMIN_TOKEN, PALISADE_DATA_DIR: "/nonexistent" };
  const enrol = await runPalisade(["agent", "create", "doomed"], env);
  expect(enrol.code, enrol.stderr).toBe(0);
  agent = await startAgent({ listen: "127.0.0.1:0", controlPlane: controlPlane.url, token: enrol.stdout.trim() });
  const applied = await runPalisade(["apply", "-f", "-"], env, `kind: Connection
name: standin
provider: openai
upstream: ${provider.url}
credential: { header: authorization, value: Bearer sk-upstream }
`);
  expect(applied.code, applied.stderr).toBe(0);
  callerToken = (await runPalisade(["token", "create", "--subject", "someone@example.com"], env)).stdout.trim();
});

afterAll(async () => {
  await agent?.close();
  await controlPlane?.close();
  await provider?.close();
  await db?.close();
});

describe("a deleted agent", () => {
  it("drops its configuration and refuses requests", async () => {
    await eventually("the agent to serve", async () => ((await modelsStatus()) === 200 ? true : undefined));
    const deleted = await runPalisade(["delete", "agent", "doomed"], env);
    expect(deleted.code, deleted.stderr).toBe(0);
    await eventually("the agent to refuse", async () => ((await modelsStatus()) === 503 ? true : undefined));
    const forwardedBefore = provider.requests.length;
    expect(await modelsStatus()).toBe(503);
    expect(provider.requests.length).toBe(forwardedBefore);
  });
});

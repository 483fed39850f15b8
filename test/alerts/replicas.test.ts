// Two control-plane replicas on one PostgreSQL, the agent connected to the second: a block made
// through the first reaches the agent (change event + NOTIFY), and a spike evaluated by both
// replicas' evaluators yields exactly one alert (advisory lock, dedup key).
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAgent, type Agent } from "../../agent/agent.js";
import { type ControlPlane, startControlPlane } from "../../control-plane/control-plane.js";
import { createAdminClients, createAdminTransport } from "../../cli/client.js";
import { eventually } from "../support/eventually.js";
import { afterFreshPass } from "../support/metrics.js";
import { postgresAvailable } from "../support/database.js";
import { modelsStatus, palisade, STACK_ADMIN_TOKEN, STACK_SECRET_KEY, startStack, type Stack } from "../support/stack.js";

const SUBJECT = "roamer@example.com";
let stack: Stack;
let replica: ControlPlane;
let agent: Agent;

// Replicas share a database only on PostgreSQL (embedded PGlite is one process's).
describe.runIf(await postgresAvailable())("blocks and alerts across replicas", { tags: ["postgres"] }, () => {
  beforeAll(async () => {
    stack = await startStack({ agentName: "on-first", subject: SUBJECT });
    replica = await startControlPlane({ listen: "127.0.0.1:0", databaseUrl: stack.db.url, adminToken: STACK_ADMIN_TOKEN, secretKey: STACK_SECRET_KEY });
    const enrolment = (await palisade(stack.env, ["agent", "create", "on-second"])).trim();
    agent = await startAgent({ listen: "127.0.0.1:0", controlPlane: replica.url, token: enrolment });
    await eventually("the agent on the second replica to serve", async () => ((await modelsStatus(agent.url, stack.callerToken)) === 200 ? true : undefined));
  });

  afterAll(async () => {
    await agent?.close();
    await replica?.close();
    await stack?.close();
  });

  it("pushes a block made on one replica to the agents of the other", { timeout: 30_000 }, async () => {
    await palisade(stack.env, ["block", SUBJECT, "--for", "1h", "--reason", "replica test"]);
    await eventually("the agent on the second replica to refuse", async () => ((await modelsStatus(agent.url, stack.callerToken)) === 403 ? true : undefined));
    await palisade(stack.env, ["unblock", SUBJECT]);
    await eventually("the agent on the second replica to serve again", async () => ((await modelsStatus(agent.url, stack.callerToken)) === 200 ? true : undefined));
  });

  it("stores one alert when both replicas evaluate the same spike", { timeout: 30_000 }, async () => {
    await palisade(stack.env, ["apply", "-f", "-"], "kind: AlertRule\nname: burst\ntokenSpike: { window: 1m, minTokens: 300 }\n");
    const client = new OpenAI({ baseURL: `${agent.url}/standin/v1`, apiKey: stack.callerToken, maxRetries: 0 });
    await client.chat.completions.create({ model: "stand-in", messages: [{ role: "user", content: Array.from({ length: 400 }, (_, i) => `w${i}`).join(" ") }] });
    const admin = createAdminClients(createAdminTransport({ server: replica.url, token: STACK_ADMIN_TOKEN }));
    await eventually("the alert", async () => ((await admin.blocks.listAlerts({ rule: "burst" })).alerts.length > 0 ? true : undefined));
    // Fresh passes of both replicas later, still one.
    await Promise.all([afterFreshPass(stack.controlPlane.url), afterFreshPass(replica.url)]);
    expect((await admin.blocks.listAlerts({ rule: "burst" })).alerts).toHaveLength(1);
  });
});

// An agent whose Redis (a private redis-server, never the machine's) stops mid-run: a limit with
// onStoreDown deny answers 503 in OpenAI's format, one with local counts in the agent meanwhile, the
// agent says so in its metrics; once Redis is back the agent counts in it again.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAgent, type Agent } from "../../agent/agent.js";
import { chatOnce } from "../faults/fault-bed.js";
import { palisade, standInResources, startControlPlaneBed, type ControlPlaneBed } from "../support/control-plane-bed.js";
import { eventually } from "../support/eventually.js";
import { startPrivateRedis, uniquePrefix, useRedis, type PrivateRedis } from "../support/redis.js";
import { startStandInProvider, type StandInProvider } from "../support/stand-in-provider.js";

const run = await useRedis("test/limits/store-down-agent.test.ts");

describe.runIf(run)("an agent when its Redis stops", { tags: ["redis"] }, () => {
  let redis: PrivateRedis;
  let bed: ControlPlaneBed;
  let provider: StandInProvider;
  let agent: Agent;
  let base: string;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    bed = await startControlPlaneBed({ controlPlane: { counterStore: { url: redis.url, keyPrefix: uniquePrefix() } } });
    provider = await startStandInProvider();
    await palisade(bed.env, ["apply", "-f", "-"], `${standInResources(provider.url)}---
kind: Policy
name: closed
priority: 100
connections: ["*"]
when: identity.subject == "closed@example.com"
limits: { requestsPerMinute: 2, onStoreDown: deny }
---
kind: Policy
name: open
priority: 100
connections: ["*"]
when: identity.subject == "open@example.com"
limits: { requestsPerMinute: 2, onStoreDown: local }
`);
    agent = await startAgent({ listen: "127.0.0.1:0", controlPlane: bed.controlPlane.url, token: (await palisade(bed.env, ["agent", "create", "edge"])).trim() });
    base = `${agent.url}/standin/v1`;
  }, 120_000);

  afterAll(async () => {
    await agent?.close();
    await provider?.close();
    await bed?.close();
    await redis?.stop();
  });

  const metric = async (name: string) => Number(new RegExp(`^${name} (\\d+)`, "m").exec(await (await fetch(`${agent.url}/-/metrics`)).text())?.[1] ?? Number.NaN);

  it("follows onStoreDown while Redis is stopped and counts in Redis again once it is back", { timeout: 120_000 }, async () => {
    const closed = (await palisade(bed.env, ["token", "create", "--subject", "closed@example.com"])).trim();
    const open = (await palisade(bed.env, ["token", "create", "--subject", "open@example.com"])).trim();
    await eventually("the agent to count in Redis", async () => ((await chatOnce(base, closed, "hello")).status === 200 ? true : undefined), 60_000);
    expect((await chatOnce(base, closed, "again")).status).toBe(200);
    expect((await chatOnce(base, closed, "over")).status).toBe(429);
    expect(await metric("palisade_agent_counter_store_up")).toBe(1);

    await redis.stop();
    const refused = await eventually("deny while Redis is down", async () => {
      const outcome = await chatOnce(base, closed, "while down");
      return outcome.status === 503 ? outcome : undefined;
    });
    expect(refused.body).toMatchObject({ error: { type: "server_error", code: "service_unavailable" } });
    expect((refused.body as { error: { message: string } }).error.message).toMatch(/limits of Palisade policy closed cannot be counted: the counter store is unreachable/);
    expect(await metric("palisade_agent_counter_store_up")).toBe(0);
    // local: this agent counts alone meanwhile, from zero.
    expect((await chatOnce(base, open, "local 1")).status).toBe(200);
    expect((await chatOnce(base, open, "local 2")).status).toBe(200);
    expect((await chatOnce(base, open, "local 3")).status).toBe(429);
    const metrics = await (await fetch(`${agent.url}/-/metrics`)).text();
    expect(metrics).toMatch(/palisade_agent_counter_store_fallbacks_total\{action="deny"\} [1-9]/);
    expect(metrics).toMatch(/palisade_agent_counter_store_fallbacks_total\{action="local"\} 3/);

    // Back, empty (the private server keeps nothing): counted in Redis again, so the limit of 2 holds there.
    await redis.start();
    await eventually("counting in Redis again", async () => ((await chatOnce(base, closed, "back")).status === 200 ? true : undefined), 30_000);
    expect(await metric("palisade_agent_counter_store_up")).toBe(1);
    expect((await chatOnce(base, closed, "back 2")).status).toBe(200);
    expect((await chatOnce(base, closed, "back 3")).status).toBe(429);
  });
});

// An agent whose Redis hangs (a private redis-server frozen with SIGSTOP: its connections stay open,
// nothing is answered — a stuck or swapping server, a network path dropping packets). A request is
// not held for as long as Redis stays silent: the call gives up after the counter store's command
// timeout, the limit follows its onStoreDown (deny: 503 in OpenAI's format), and once Redis answers
// again the agent counts in it again.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAgent, type Agent } from "../../agent/agent.js";
import { chatOnce, clearError } from "../faults/fault-bed.js";
import { palisade, standInResources, startControlPlaneBed, type ControlPlaneBed } from "../support/control-plane-bed.js";
import { eventually } from "../support/eventually.js";
import { startPrivateRedis, uniquePrefix, useRedis, type PrivateRedis } from "../support/redis.js";
import { startStandInProvider, type StandInProvider } from "../support/stand-in-provider.js";

const run = await useRedis("test/limits/store-hung-agent.test.ts");

describe.runIf(run)("an agent when its Redis hangs", { tags: ["redis"] }, () => {
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
limits: { requestsPerMinute: 100, onStoreDown: deny }
`);
    agent = await startAgent({ listen: "127.0.0.1:0", controlPlane: bed.controlPlane.url, token: (await palisade(bed.env, ["agent", "create", "edge"])).trim() });
    base = `${agent.url}/standin/v1`;
  }, 120_000);

  afterAll(async () => {
    redis?.thaw();
    await agent?.close();
    await provider?.close();
    await bed?.close();
    await redis?.stop();
  });

  it("refuses a deny limit's requests (503) instead of holding them while Redis is silent, and counts in it again once it answers", { timeout: 60_000 }, async () => {
    const closed = (await palisade(bed.env, ["token", "create", "--subject", "closed@example.com"])).trim();
    await eventually("the agent to count in Redis", async () => ((await chatOnce(base, closed, "hello")).status === 200 ? true : undefined), 30_000);

    redis.freeze();
    // chatOnce gives up after 20 s: a request held for as long as Redis is silent would end as status 0.
    const refused = await chatOnce(base, closed, "while hung");
    expect(refused.status).toBe(503);
    expect(clearError(refused)).toBe(true);
    expect((refused.body as { error: { message: string } }).error.message).toMatch(/limits of Palisade policy closed cannot be counted/);
    const again = await chatOnce(base, closed, "still hung");
    expect(again.status).toBe(503);
    expect(provider.requests.filter((request) => request.raw.includes("hung"))).toEqual([]);

    redis.thaw();
    await eventually("counting in Redis again", async () => ((await chatOnce(base, closed, "back")).status === 200 ? true : undefined), 30_000);
  });
});

// The shared limit gate against a real Redis, on an injected clock: sliding windows with no 2x burst
// at an edge, token reservations settled to the reported usage, and onStoreDown while a private
// redis-server is stopped, counting resuming once it is back.
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCounterStores, type CounterStores } from "../../agent/limits/counter-store.js";
import { createSharedLimitGate } from "../../agent/limits/shared-limit-gate.js";
import type { PolicyLimits } from "../../agent/policy/compile-policies.js";
import { createLimitTracker, type LimitAdmission, type LimitGate, type LimitedPolicy } from "../../agent/policy/limits.js";
import { eventually } from "../support/eventually.js";
import { dropPrefix, SHARED_REDIS_URL, startPrivateRedis, uniquePrefix, useRedis, type PrivateRedis } from "../support/redis.js";

const run = await useRedis("test/limits/shared-limit-gate.test.ts");
const alice = { subject: "alice@example.com", issuer: "https://issuer.example" };
const logger = pino({ level: "silent" });

function policy(name: string, limits: Partial<PolicyLimits>): LimitedPolicy {
  return { name, limits: { requestsPerMinute: 0, tokensPerHour: 0, onStoreDown: "deny", ...limits } };
}

async function admit(gate: LimitGate, policies: LimitedPolicy[], now: number, tokens = 1): Promise<LimitAdmission<LimitedPolicy>> {
  return gate.admit(policies, alice, now, { tokens });
}

describe.runIf(run)("shared limits in Redis", { tags: ["redis"] }, () => {
  const prefixes: string[] = [];
  const stores: CounterStores[] = [];
  function gateOn(url = SHARED_REDIS_URL, local: LimitGate = createLimitTracker(), downs: string[] = []) {
    const keyPrefix = uniquePrefix();
    prefixes.push(keyPrefix);
    const counterStores = createCounterStores(logger);
    stores.push(counterStores);
    return createSharedLimitGate({ local, stores: counterStores, counterStore: () => ({ url, keyPrefix }), onStoreDown: (action) => downs.push(action) });
  }
  afterAll(async () => {
    for (const store of stores) await store.close();
    for (const prefix of prefixes) await dropPrefix(prefix);
  });

  it("admits 10 per minute and no more in any 60 s span, across a fixed-window edge (no 2x burst)", async () => {
    const gate = gateOn();
    const limited = [policy("rpm", { requestsPerMinute: 10 })];
    // Ten requests in the last half second of a clock minute, then ten more just after it: a fixed
    // window would admit twenty within one second.
    const edge = Date.UTC(2030, 0, 1, 12, 1, 0);
    for (let i = 0; i < 10; i++) expect((await admit(gate, limited, edge - 500 + i)).ok).toBe(true);
    const after = await admit(gate, limited, edge + 100);
    expect(after.ok).toBe(false);
    if (after.ok) return;
    expect(after.limit).toBe("requests per minute");
    // The first of the ten counts for at least 60 s: still refused just before, admitted at Retry-After.
    expect((await admit(gate, limited, edge - 500 + 59_999)).ok).toBe(false);
    const retryAt = edge + 100 + after.retryAfterSeconds * 1000;
    expect(retryAt).toBeGreaterThanOrEqual(edge - 500 + 60_000);
    expect((await admit(gate, limited, retryAt)).ok).toBe(true);
  });

  it("never lets more than the limit through in any window of its length under steady pressure", async () => {
    const gate = gateOn();
    const limited = [policy("steady", { requestsPerMinute: 7 })];
    const start = Date.UTC(2030, 0, 1, 0, 0, 17, 300);
    const passed: number[] = [];
    // An attempt every 700 ms for five minutes.
    for (let t = start; t < start + 300_000; t += 700) if ((await admit(gate, limited, t)).ok) passed.push(t);
    for (let i = 0; i < passed.length; i++) {
      const within = passed.filter((t) => t >= passed[i]! && t < passed[i]! + 60_000).length;
      expect(within).toBeLessThanOrEqual(7);
    }
    // And it is not starved: each minute lets (nearly) the limit through.
    expect(passed.length).toBeGreaterThanOrEqual(7 * 4);
  });

  it("refuses the token request that would cross the limit, and settles reservations to actual usage", async () => {
    const gate = gateOn();
    const limited = [policy("tph", { tokensPerHour: 1000 })];
    const now = Date.UTC(2030, 0, 1, 9, 30);
    const first = await admit(gate, limited, now, 600);
    expect(first.ok).toBe(true);
    const second = await admit(gate, limited, now + 1, 600);
    expect(second.ok).toBe(false); // 600 reserved + 600 would cross 1000
    // The first used only 100: its reservation shrinks and the second fits.
    if (first.ok) first.chargeTokens(100, now + 2);
    await eventually("the settlement to land", async () => ((await admit(gate, limited, now + 3, 600)).ok ? true : undefined));
    // Used: 100 + 600 reserved; 400 more would cross.
    expect((await admit(gate, limited, now + 4, 301)).ok).toBe(false);
    const tooBig = await admit(gate, limited, now + 5, 1001);
    expect(tooBig.ok).toBe(false);
    if (!tooBig.ok) expect(tooBig.detail).toMatch(/more than the limit/);
  });

  it("gives the shared count back when a local-scope limit refuses the same request", async () => {
    const gate = gateOn();
    const now = Date.UTC(2030, 0, 1, 10, 0);
    const shared = policy("shared", { requestsPerMinute: 2 });
    const local = policy("local-only", { requestsPerMinute: 1, scope: "local" });
    expect((await admit(gate, [shared, local], now)).ok).toBe(true);
    const refused = await admit(gate, [shared, local], now + 1);
    expect(refused.ok === false && refused.policy.name).toBe("local-only");
    // Had the refused request kept its shared count, this third one would be over 2.
    expect((await admit(gate, [shared], now + 2)).ok).toBe(true);
  });

  describe("when Redis stops", () => {
    let redis: PrivateRedis;
    beforeAll(async () => {
      redis = await startPrivateRedis();
    });
    afterAll(() => redis.stop());

    it("follows onStoreDown (deny refuses, local counts here) and counts in Redis again once it is back", async () => {
      const local = createLimitTracker();
      const downs: string[] = [];
      const gate = gateOn(redis.url, local, downs);
      const denying = [policy("closed", { requestsPerMinute: 3 })];
      const falling = [policy("open", { requestsPerMinute: 3, onStoreDown: "local" })];
      const now = Date.UTC(2030, 0, 1, 11, 0);
      expect((await admit(gate, denying, now)).ok).toBe(true);
      expect((await admit(gate, falling, now)).ok).toBe(true);

      await redis.stop();
      const refused = await eventually("the stop to be seen", async () => {
        const answer = await admit(gate, denying, now + 1);
        return answer.ok ? undefined : answer;
      });
      expect(refused.ok === false && refused.limit).toBe("counter store");
      // local: counted by this agent alone, from zero (the tracker never saw the first request).
      for (let i = 0; i < 3; i++) expect((await admit(gate, falling, now + 2 + i)).ok).toBe(true);
      const overLocally = await admit(gate, falling, now + 10);
      expect(overLocally.ok === false && overLocally.limit).toBe("requests per minute");
      expect(downs).toContain("deny");
      expect(downs).toContain("local");

      // Back (empty: the private server keeps nothing): counting resumes in Redis.
      await redis.start();
      await eventually("counting to resume in Redis", async () => ((await admit(gate, denying, now + 20)).ok ? true : undefined), 20_000);
      expect((await admit(gate, denying, now + 21)).ok).toBe(true);
      expect((await admit(gate, denying, now + 22)).ok).toBe(true);
      const full = await admit(gate, denying, now + 23);
      expect(full.ok === false && full.limit).toBe("requests per minute");
    });
  });
});

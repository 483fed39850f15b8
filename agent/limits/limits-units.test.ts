import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { LimitScope, PolicyAction, PolicySchema, StoreDownAction } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { admitRequest } from "../policy/admit-request.js";
import { compilePolicies } from "../policy/compile-policies.js";
import type { LimitGate } from "../policy/limits.js";
import { reconnectDelay } from "./counter-store.js";
import { estimateTokens, settledTokens } from "./token-estimate.js";
import { forwardedUsage } from "../record/usage-estimate.js";

const context = {
  identity: { subject: "alice", email: "", groups: [], issuer: "urn:test", claims: { sub: "alice" } },
  request: { model: "gpt-4o", method: "POST", path: "/v1/chat/completions", stream: false, headers: {}, prompt: "hello" },
  connection: { name: "openai", provider: "openai" },
  now: 0,
};

function decide(limits: LimitGate) {
  const policies = compilePolicies([
    create(PolicySchema, { name: "capped", connections: ["*"], action: PolicyAction.ALLOW, requestsPerMinute: 5, onStoreDown: StoreDownAction.DENY }),
  ], ["openai"]);
  return admitRequest({ session: "s1", connection: { name: "openai", allowedGroups: new Set() }, policies, limits, context, cost: { tokens: 7 } });
}

describe("limits on the request path", () => {
  it("refuses with 503 in the limited verdict when the counter store is down and onStoreDown is deny", async () => {
    const decision = await decide({ admit: (policies) => ({ ok: false, policy: policies[0]!, limit: "counter store", retryAfterSeconds: 1 }) });
    expect(decision.ok).toBe(false);
    if (decision.ok !== false) return;
    expect(decision.refusal).toMatchObject({ status: 503, kind: "unavailable" });
    expect(decision.refusal.message).toMatch(/limits of Palisade policy capped cannot be counted: the counter store is unreachable/);
    expect(decision.verdict).toBe(Verdict.LIMITED);
    expect(decision.headers["retry-after"]).toBe("1");
  });

  it("passes the request's estimate to the gate and says why an oversized request can never fit", async () => {
    let seen: number | undefined;
    const decision = await decide({
      admit: (policies, _identity, _now, request) => {
        seen = request?.tokens;
        return { ok: false, policy: policies[0]!, limit: "tokens per hour", retryAfterSeconds: 3600, detail: "this request alone is more than the limit" };
      },
    });
    expect(seen).toBe(7);
    expect(decision.ok === false && decision.refusal.message).toMatch(/tokens per hour .*\(this request alone is more than the limit\); retry after 3600 s/);
  });

  it("compiles scope and onStoreDown", () => {
    const [policy] = compilePolicies([
      create(PolicySchema, { name: "p", connections: ["*"], requestsPerMinute: 1, limitScope: LimitScope.LOCAL, onStoreDown: StoreDownAction.LOCAL }),
    ], ["openai"]).forConnection("openai");
    expect(policy!.limits).toEqual({ requestsPerMinute: 1, tokensPerHour: 0, scope: "local", onStoreDown: "local" });
    const [unset] = compilePolicies([create(PolicySchema, { name: "q", connections: ["*"], requestsPerMinute: 1 })], ["openai"]).forConnection("openai");
    expect(unset!.limits).toEqual({ requestsPerMinute: 1, tokensPerHour: 0, onStoreDown: "deny" });
  });

  it("estimates a prompt at four bytes a token plus max_tokens, and settles what a provider billed", () => {
    expect(estimateTokens("x".repeat(400), 256)).toBe(356);
    expect(estimateTokens("", undefined)).toBe(0);
    const estimate = { prompt: 100, maxTokens: 256 };
    const end = (status: number, failed = false, reply = "", method = "POST") => ({ method, status, failed, replyBytes: Buffer.byteLength(reply) });
    const reported = (promptTokens: number, completionTokens: number) => ({ promptTokens, completionTokens, totalTokens: promptTokens + completionTokens });
    const total = (usage: { totalTokens: number } | undefined) => settledTokens({ usage: usage && { totalTokens: BigInt(usage.totalTokens) } });
    expect(total(forwardedUsage(reported(40, 2), end(200), estimate))).toBe(42);
    expect(forwardedUsage(reported(40, 2), end(200), estimate)?.estimated).toBe(false);
    expect(forwardedUsage(undefined, end(429), estimate)).toBeUndefined(); // the provider's own error
    expect(forwardedUsage(undefined, end(200, false, "x".repeat(4000), "GET"), { prompt: 0, maxTokens: undefined })).toBeUndefined(); // a read: nothing generated
    expect(forwardedUsage(undefined, end(499, true, "", "get"), { prompt: 0, maxTokens: undefined })).toBeUndefined();
    expect(forwardedUsage(undefined, end(200, false, "x".repeat(40), "PUT"), { prompt: 0, maxTokens: undefined })?.totalTokens).toBe(10);
    expect(settledTokens({})).toBe(0); // never forwarded: no usage recorded
    // Usage unknown: the prompt plus the larger of max_tokens and the reply's text, never nothing.
    expect(forwardedUsage(undefined, end(200), estimate)).toEqual({ promptTokens: 100, completionTokens: 256, totalTokens: 356, cachedTokens: 0, estimated: true });
    expect(total(forwardedUsage(undefined, end(200, false, "x".repeat(4000)), estimate))).toBe(1100);
    expect(total(forwardedUsage(undefined, end(200, true, "x".repeat(40)), { prompt: 3, maxTokens: undefined }))).toBe(13); // a stream left by its caller
    expect(total(forwardedUsage(undefined, end(499, true), estimate))).toBe(356); // caller gone after forwarding: the provider may have billed
    expect(total(forwardedUsage(undefined, end(504, true), estimate))).toBe(356); // upstream silent
    // A reply that failed after some usage was reported: never less than the estimate, nor than what was reported.
    expect(forwardedUsage({ ...reported(120, 1), cachedTokens: 20 }, end(200, true), estimate)).toEqual({ promptTokens: 120, completionTokens: 256, totalTokens: 376, cachedTokens: 20, estimated: true });
    expect(forwardedUsage(reported(100, 800), end(200, true), estimate)).toEqual({ ...reported(100, 800), estimated: false });
  });

  it("spreads reconnections with full jitter, 50 ms doubling up to 2 s", () => {
    expect(reconnectDelay(1, () => 0)).toBe(0);
    expect(reconnectDelay(1, () => 0.999)).toBe(49);
    expect(reconnectDelay(3, () => 0.5)).toBe(100);
    expect(reconnectDelay(20, () => 0.5)).toBe(1000);
  });
});

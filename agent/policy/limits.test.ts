import { describe, expect, it } from "vitest";
import type { CompiledPolicy } from "./compile-policies.js";
import { createLimitTracker } from "./limits.js";

const limited = (name: string, requestsPerMinute: number, tokensPerHour = 0): CompiledPolicy => ({
  name,
  priority: 0,
  decision: "allow",
  reason: "",
  limits: { requestsPerMinute, tokensPerHour },
});
const alice = { subject: "alice", issuer: "urn:a" };
const t0 = 1_000_000;

describe("limits", () => {
  it("admits up to requestsPerMinute, then refuses until the window ends", () => {
    const tracker = createLimitTracker();
    const policies = [limited("rpm", 2)];
    expect(tracker.admit(policies, alice, t0).ok).toBe(true);
    expect(tracker.admit(policies, alice, t0 + 10_000).ok).toBe(true);
    expect(tracker.admit(policies, alice, t0 + 20_500)).toMatchObject({ ok: false, policy: { name: "rpm" }, limit: "requests per minute", retryAfterSeconds: 40 });
    expect(tracker.admit(policies, alice, t0 + 60_000).ok).toBe(true);
  });

  it("counts per identity (subject and issuer) and per policy", () => {
    const tracker = createLimitTracker();
    const policies = [limited("rpm", 1)];
    expect(tracker.admit(policies, alice, t0).ok).toBe(true);
    expect(tracker.admit(policies, { subject: "alice", issuer: "urn:b" }, t0).ok).toBe(true);
    expect(tracker.admit(policies, { subject: "bob", issuer: "urn:a" }, t0).ok).toBe(true);
    expect(tracker.admit([limited("other", 1)], alice, t0).ok).toBe(true);
    expect(tracker.admit(policies, alice, t0).ok).toBe(false);
  });

  it("does not count a refused request in any window", () => {
    const tracker = createLimitTracker();
    const wide = limited("wide", 10);
    const narrow = limited("narrow", 1);
    tracker.admit([wide, narrow], alice, t0);
    for (let i = 0; i < 5; i++) expect(tracker.admit([wide, narrow], alice, t0).ok).toBe(false);
    for (let i = 0; i < 9; i++) expect(tracker.admit([wide], alice, t0).ok).toBe(true);
    expect(tracker.admit([wide], alice, t0).ok).toBe(false);
  });

  it("refuses once the tokens recorded in the hour reach the limit", () => {
    const tracker = createLimitTracker();
    const policies = [limited("tph", 0, 100)];
    const first = tracker.admit(policies, alice, t0);
    if (!first.ok) throw new Error("refused");
    first.chargeTokens(60, t0 + 1000);
    const second = tracker.admit(policies, alice, t0 + 2000);
    if (!second.ok) throw new Error("refused");
    second.chargeTokens(60, t0 + 3000); // crosses the limit: known only afterwards
    expect(tracker.admit(policies, alice, t0 + 4000)).toMatchObject({ ok: false, limit: "tokens per hour", retryAfterSeconds: 3597 });
    expect(tracker.admit(policies, alice, t0 + 1000 + 3_600_000).ok).toBe(true);
  });

  it("keeps memory bounded, dropping idle and least recently used entries", () => {
    const tracker = createLimitTracker({ maxEntries: 3 });
    const policies = [limited("rpm", 1)];
    for (let i = 0; i < 10; i++) tracker.admit(policies, { subject: `user-${i}`, issuer: "x" }, t0);
    expect(tracker.size).toBe(3);
    tracker.admit(policies, { subject: "late", issuer: "x" }, t0 + 2 * 3_600_000);
    expect(tracker.size).toBe(1);
  });

  it("admits freely when no policy has limits", () => {
    const tracker = createLimitTracker();
    expect(tracker.admit([], alice, t0).ok).toBe(true);
    expect(tracker.size).toBe(0);
  });
});

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

  it("opens a new window when the wall clock was stepped back past the window's start, not for a few seconds' skew", () => {
    const tracker = createLimitTracker();
    const policies = [limited("rpm", 1, 100)];
    expect(tracker.admit(policies, alice, t0, { tokens: 100 }).ok).toBe(true);
    // Requests read their time a little out of order: still the same windows, still at the limit.
    expect(tracker.admit(policies, alice, t0 - 1_000).ok).toBe(false);
    // An hour back: both windows are over (as an hour forward would end them), not open for the hour.
    const stepped = t0 - 3_600_000;
    expect(tracker.admit(policies, alice, stepped, { tokens: 50 }).ok).toBe(true);
    expect(tracker.admit(policies, alice, stepped + 1_000)).toMatchObject({ ok: false, limit: "requests per minute", retryAfterSeconds: 59 });
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

  it("reserves each admitted request's estimate until it is settled to its usage", () => {
    const tracker = createLimitTracker();
    const policies = [limited("tph", 0, 1000)];
    const first = tracker.admit(policies, alice, t0, { tokens: 600 });
    const second = tracker.admit(policies, alice, t0 + 1, { tokens: 600 });
    expect(second.ok).toBe(true); // 600 held: under the limit, so the crossing request still goes
    expect(tracker.admit(policies, alice, t0 + 2, { tokens: 1 })).toMatchObject({ ok: false, limit: "tokens per hour" }); // 1200 held
    if (!first.ok || !second.ok) throw new Error("admitted");
    first.chargeTokens(100, t0 + 3); // 600 becomes 100: 700 held
    second.chargeTokens(0, t0 + 4); // given back: 100
    const third = tracker.admit(policies, alice, t0 + 5, { tokens: 850 });
    expect(third.ok).toBe(true); // 950 held
    expect(tracker.admit(policies, alice, t0 + 6, { tokens: 1 }).ok).toBe(true); // 951: under
    expect(tracker.admit(policies, alice, t0 + 7, { tokens: 100 }).ok).toBe(true); // 951 held: this one crosses, 1051
    expect(tracker.admit(policies, alice, t0 + 8, { tokens: 1 })).toMatchObject({ ok: false });
  });

  it("settles a reservation whose window ended as fresh usage in the new window, never below zero", () => {
    const tracker = createLimitTracker();
    const policies = [limited("tph", 0, 1000)];
    const old = tracker.admit(policies, alice, t0, { tokens: 900 });
    if (!old.ok) throw new Error("admitted");
    const later = t0 + 3_600_000;
    expect(tracker.admit(policies, alice, later, { tokens: 100 }).ok).toBe(true); // a new window: 100 held
    old.chargeTokens(950, later + 1); // the old reservation went with its window: 950 added, 1050
    expect(tracker.admit(policies, alice, later + 2, { tokens: 1 })).toMatchObject({ ok: false });
    const other = createLimitTracker();
    const small = other.admit(policies, alice, t0, { tokens: 10 });
    if (!small.ok) throw new Error("admitted");
    small.chargeTokens(0, t0 + 1);
    small.chargeTokens(0, t0 + 2); // settled twice: still not below zero
    expect(other.admit(policies, alice, t0 + 3, { tokens: 999 }).ok).toBe(true);
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

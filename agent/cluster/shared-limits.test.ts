import { describe, expect, it } from "vitest";
import { createLimitTracker } from "../policy/limits.js";
import { answerLimits } from "./shared-limits.js";

const identity = { subject: "alice@example.com", issuer: "https://issuer.example" };
const admit = (id: number, limits: { name: string; requestsPerMinute: number; tokensPerHour: number }[], now = 1_000) =>
  ({ type: "palisade:limits-admit", id, limits, identity, now });

describe("the primary's side of shared limits", () => {
  it("admits and counts across messages, and names the policy whose limit is reached", () => {
    const tracker = createLimitTracker();
    const twice = [{ name: "two-a-minute", requestsPerMinute: 2, tokensPerHour: 0 }];
    expect(answerLimits(tracker, admit(1, twice))).toEqual({ type: "palisade:limits", id: 1 });
    expect(answerLimits(tracker, admit(2, twice))).toEqual({ type: "palisade:limits", id: 2 });
    expect(answerLimits(tracker, admit(3, twice, 31_000))).toEqual({
      type: "palisade:limits", id: 3, refused: { policy: "two-a-minute", limit: "requests per minute", retryAfterSeconds: 30 },
    });
    // Another identity has its own window.
    expect(answerLimits(tracker, { ...admit(4, twice), identity: { ...identity, subject: "bob@example.com" } })).toEqual({ type: "palisade:limits", id: 4 });
  });

  it("adds charged tokens to the same windows the admissions read", () => {
    const tracker = createLimitTracker();
    const budget = [{ name: "budget", requestsPerMinute: 0, tokensPerHour: 100 }];
    expect(answerLimits(tracker, admit(1, budget))).toEqual({ type: "palisade:limits", id: 1 });
    expect(answerLimits(tracker, { type: "palisade:limits-charge", limits: budget, identity, tokens: 100, now: 2_000 })).toBeUndefined();
    expect(answerLimits(tracker, admit(2, budget, 3_000))?.refused).toMatchObject({ policy: "budget", limit: "tokens per hour" });
  });

  it("ignores other messages", () => {
    expect(answerLimits(createLimitTracker(), { type: "palisade:metrics-request", id: 1 })).toBeUndefined();
    expect(answerLimits(createLimitTracker(), "hello")).toBeUndefined();
  });
});

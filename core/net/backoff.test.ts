import { describe, expect, it } from "vitest";
import { backoffCeiling, createBackoff, defaultBackoff } from "./backoff.js";

describe("createBackoff", () => {
  it("grows the ceiling exponentially up to the cap", () => {
    expect([0, 1, 2, 3, 10, 50].map((n) => backoffCeiling(defaultBackoff, n))).toEqual([250, 500, 1000, 2000, 30_000, 30_000]);
  });

  it("draws each delay uniformly below the ceiling (full jitter)", () => {
    const draws = [0, 0.5, 0.999];
    let call = 0;
    const backoff = createBackoff({ ...defaultBackoff, random: () => draws[call++ % draws.length]! });
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([0, 250, 999]);
  });

  it("resets only after a stable stream", () => {
    const backoff = createBackoff({ ...defaultBackoff, random: () => 0.5 });
    backoff.next();
    backoff.next();
    backoff.streamEnded(59_999);
    expect(backoff.attempt).toBe(2);
    backoff.streamEnded(60_000);
    expect(backoff.attempt).toBe(0);
    expect(backoff.next()).toBe(125);
  });
});

import { describe, expect, it } from "vitest";
import { createVerifiedTokenCache, type VerifiedToken } from "./verified-token-cache.js";

const nowS = 1_700_000_000;
const entry = (exp: number | null = nowS + 3600): VerifiedToken => ({
  issuer: "https://idp.test",
  claims: { sub: "alice", ...(exp === null ? {} : { exp }) },
  under: { config: "c", generation: 1 },
});

function clock() {
  let ms = nowS * 1000;
  return { now: () => ms, advance: (by: number) => (ms += by) };
}

describe("createVerifiedTokenCache", () => {
  it("keeps an entry for the TTL and no longer", () => {
    const time = clock();
    const cache = createVerifiedTokenCache({ ttlMs: 30_000, now: time.now });
    cache.set("t", entry());
    time.advance(29_999);
    expect(cache.get("t")?.claims.sub).toBe("alice");
    time.advance(1);
    expect(cache.get("t")).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("never keeps an entry past the token's exp, and never one without exp", () => {
    const time = clock();
    const cache = createVerifiedTokenCache({ ttlMs: 30_000, now: time.now });
    cache.set("soon", entry(nowS + 5));
    cache.set("expired", entry(nowS - 1)); // accepted within the clock tolerance: not cached
    cache.set("no-exp", entry(null));
    expect(cache.size).toBe(1);
    time.advance(4_999);
    expect(cache.get("soon")).toBeDefined();
    time.advance(1);
    expect(cache.get("soon")).toBeUndefined();
  });

  it("drops the least recently used entry beyond its bound", () => {
    const cache = createVerifiedTokenCache({ maxEntries: 2, now: clock().now });
    cache.set("a", entry());
    cache.set("b", entry());
    cache.get("a"); // a is now the most recently used
    cache.set("c", entry());
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBeDefined();
    expect(cache.get("c")).toBeDefined();
  });

  it("holds nothing with a TTL of 0", () => {
    const cache = createVerifiedTokenCache({ ttlMs: 0, now: clock().now });
    cache.set("a", entry());
    expect(cache.get("a")).toBeUndefined();
  });
});

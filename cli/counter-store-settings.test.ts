import { describe, expect, it } from "vitest";
import { counterStoreSettings } from "./counter-store-settings.js";

describe("counter store settings", () => {
  it("is absent unless a URL is given, and the flag wins over the environment", () => {
    expect(counterStoreSettings({}, {})).toBeUndefined();
    expect(counterStoreSettings({ redisUrl: "redis://flag:6379" }, { PALISADE_REDIS_URL: "redis://env:6379" })).toEqual({ url: "redis://flag:6379" });
    expect(counterStoreSettings({}, { PALISADE_REDIS_URL: "rediss://env:6380/2", PALISADE_REDIS_KEY_PREFIX: "prod:" })).toEqual({ url: "rediss://env:6380/2", keyPrefix: "prod:" });
  });

  it("refuses a password on the command line, and takes it from the environment", () => {
    expect(() => counterStoreSettings({ redisUrl: "redis://:s3cret@host:6379" }, {})).toThrow(/must not carry a password/);
    expect(counterStoreSettings({}, { PALISADE_REDIS_URL: "redis://:s3cret@host:6379" })?.url).toBe("redis://:s3cret@host:6379");
    expect(counterStoreSettings({ redisUrl: "redis://app@host:6379" }, { PALISADE_REDIS_PASSWORD: "p@ss/word" })?.url).toBe("redis://app:p%40ss%2Fword@host:6379");
  });

  it("refuses what is not a Redis URL", () => {
    expect(() => counterStoreSettings({ redisUrl: "host:6379" }, {})).toThrow(/redis:\/\/ or rediss:\/\//);
    expect(() => counterStoreSettings({}, { PALISADE_REDIS_URL: "not a url" })).toThrow(/PALISADE_REDIS_URL is not a URL/);
  });
});

import { describe, expect, it } from "vitest";
import { searchIndexMaxLagMs } from "./search-index-settings.js";

describe("search index settings", () => {
  it("is the default unless set, and the flag wins over the environment", () => {
    expect(searchIndexMaxLagMs({}, {})).toBeUndefined();
    expect(searchIndexMaxLagMs({ searchIndexMaxLag: "30s" }, { PALISADE_SEARCH_INDEX_MAX_LAG: "2m" })).toBe(30_000);
    expect(searchIndexMaxLagMs({}, { PALISADE_SEARCH_INDEX_MAX_LAG: "2m" })).toBe(120_000);
    expect(searchIndexMaxLagMs({ searchIndexMaxLag: "0s" }, {})).toBe(0);
  });

  it("refuses what is not a duration", () => {
    expect(() => searchIndexMaxLagMs({ searchIndexMaxLag: "10" }, {})).toThrow(/invalid duration "10"/);
  });
});

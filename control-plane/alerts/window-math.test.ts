import { describe, expect, it } from "vitest";
import { baselinePerWindow, dedupKey, isSpike, shortDuration, spikePeriods } from "./window-math.js";

const NOW = Date.parse("2026-11-29T12:00:00Z");

describe("spike windows", () => {
  it("puts the baseline just before the window, not overlapping it", () => {
    const periods = spikePeriods(NOW, 300, 3600);
    expect(periods.windowStart.toISOString()).toBe("2026-11-29T11:55:00.000Z");
    expect(periods.baselineStart.toISOString()).toBe("2026-11-29T10:55:00.000Z");
  });

  it("scales the baseline total to one window", () => {
    // 1200 tokens over an hour is 100 per 5 minutes.
    expect(baselinePerWindow(1200, 300, 3600)).toBe(100);
    expect(baselinePerWindow(0, 300, 3600)).toBe(0);
  });

  it("fires above factor × baseline and at or above the minimum only", () => {
    const settings = { factor: 5, minimum: 1000 };
    expect(isSpike(5000, 1000, settings)).toBe(false); // exactly 5x is not above
    expect(isSpike(5001, 1000, settings)).toBe(true);
    expect(isSpike(999, 0, settings)).toBe(false); // below the minimum, even without history
    expect(isSpike(1000, 0, settings)).toBe(true); // no history: only the minimum guards
    expect(isSpike(1000, 199.9, settings)).toBe(true);
    expect(isSpike(1000, 200, settings)).toBe(false);
  });
});

describe("dedup keys", () => {
  it("stay the same within one suppression period and change after it", () => {
    expect(dedupKey(NOW, 300)).toBe(dedupKey(NOW + 299_999 - (NOW % 300_000), 300));
    expect(dedupKey(NOW, 300)).not.toBe(dedupKey(NOW + 300_000, 300));
  });

  it("name the model for unusual-model rules", () => {
    expect(dedupKey(NOW, 3600, "gpt-x")).toMatch(/^gpt-x@\d+$/);
    expect(dedupKey(NOW, 3600, "gpt-x")).not.toBe(dedupKey(NOW, 3600, "gpt-y"));
  });
});

describe("shortDuration", () => {
  it("writes durations as people type them", () => {
    expect(shortDuration(300)).toBe("5m");
    expect(shortDuration(5400)).toBe("1h30m");
    expect(shortDuration(604_800)).toBe("7d");
  });
});

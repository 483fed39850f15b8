import { describe, expect, it } from "vitest";
import { periodAt } from "./budget-period.js";

const at = (iso: string) => new Date(iso);

describe("budget periods", () => {
  it("counts a day from local midnight in the budget's time zone", () => {
    // 23:30 UTC on 6 December is already 7 December in Paris (UTC+1).
    expect(periodAt("day", "Europe/Paris", at("2026-12-06T23:30:00Z"))).toEqual({ start: at("2026-12-06T23:00:00Z"), end: at("2026-12-07T23:00:00Z") });
    expect(periodAt("day", "UTC", at("2026-12-06T23:30:00Z"))).toEqual({ start: at("2026-12-06T00:00:00Z"), end: at("2026-12-07T00:00:00Z") });
  });

  it("has days of 23 and 25 hours across daylight-saving changes", () => {
    const spring = periodAt("day", "Europe/Paris", at("2026-03-29T12:00:00Z"));
    expect(spring.end.getTime() - spring.start.getTime()).toBe(23 * 3_600_000);
    const autumn = periodAt("day", "America/New_York", at("2026-11-01T12:00:00Z"));
    expect(autumn.end.getTime() - autumn.start.getTime()).toBe(25 * 3_600_000);
  });

  it("starts weeks on Monday and months on the 1st, the end being the next period's start", () => {
    // Sunday 6 December 2026, 10:00 in Tokyo (UTC+9).
    expect(periodAt("week", "Asia/Tokyo", at("2026-12-06T01:00:00Z"))).toEqual({ start: at("2026-11-29T15:00:00Z"), end: at("2026-12-06T15:00:00Z") });
    expect(periodAt("month", "Europe/Paris", at("2026-12-31T23:30:00Z"))).toEqual({ start: at("2026-12-31T23:00:00Z"), end: at("2027-01-31T23:00:00Z") });
    const { end } = periodAt("month", "UTC", at("2026-02-10T00:00:00Z"));
    expect(periodAt("month", "UTC", end).start).toEqual(end);
  });
});

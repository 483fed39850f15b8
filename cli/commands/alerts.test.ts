import { describe, expect, it } from "vitest";
import { CliError } from "../errors.js";
import { parseSince } from "./alerts.js";

const NOW = new Date("2026-11-29T12:00:00Z");

describe("parseSince", () => {
  it("reads a duration back from now or an ISO 8601 time", () => {
    expect(parseSince("1h", NOW).toISOString()).toBe("2026-11-29T11:00:00.000Z");
    expect(parseSince("1h30m", NOW).toISOString()).toBe("2026-11-29T10:30:00.000Z");
    expect(parseSince("2026-11-28T08:00:00Z", NOW).toISOString()).toBe("2026-11-28T08:00:00.000Z");
  });

  it("refuses anything else with a usage hint", () => {
    expect(() => parseSince("yesterday", NOW)).toThrow(CliError);
    expect(() => parseSince("1 hour", NOW)).toThrow(/invalid/);
  });
});

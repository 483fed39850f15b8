import { describe, expect, it } from "vitest";
import { agentLimits, parseSize } from "./agent-limits.js";
import { CliError } from "./errors.js";

describe("agent limits", () => {
  it("parses sizes with binary units", () => {
    expect(parseSize("1048576", "x")).toBe(1_048_576);
    expect(parseSize("512KiB", "x")).toBe(512 * 1024);
    expect(parseSize("16MiB", "x")).toBe(16 * 1024 * 1024);
    expect(parseSize("1g", "x")).toBe(1024 ** 3);
  });

  it("refuses sizes it cannot read, naming the flag", () => {
    for (const bad of ["", "0", "-1", "1.5MiB", "16MB", "lots"]) {
      expect(() => parseSize(bad, "--max-body-bytes")).toThrow(CliError);
    }
    expect(() => parseSize("16MB", "--max-body-bytes")).toThrow('--max-body-bytes must be a size in bytes such as 1048576 or 16MiB, got "16MB"');
  });

  it("takes the flag over the environment, and leaves unset limits to the agent", () => {
    expect(agentLimits({}, {})).toEqual({});
    expect(agentLimits({}, { PALISADE_MAX_BODY_BYTES: "1KiB", PALISADE_BUFFER_SIZE: "50" })).toEqual({ maxBodyBytes: 1024, bufferSize: 50 });
    expect(agentLimits({ bufferBytes: "512MiB" }, { PALISADE_BUFFER_BYTES: "1GiB" })).toEqual({ bufferBytes: 512 * 1024 * 1024 });
    expect(agentLimits({}, { PALISADE_BUFFER_BYTES: "1GiB" })).toEqual({ bufferBytes: 1024 ** 3 });
    expect(agentLimits({ maxBodyBytes: "2KiB" }, { PALISADE_MAX_BODY_BYTES: "1KiB" })).toEqual({ maxBodyBytes: 2048 });
    expect(() => agentLimits({ bufferSize: "0" }, {})).toThrow("--buffer-size must be a positive whole number");
  });

  it("reads --upstream-timeout, --upstream-idle-timeout and --drain-timeout as durations, flag over environment", () => {
    expect(agentLimits({}, { PALISADE_UPSTREAM_TIMEOUT: "90s" })).toEqual({ upstreamTimeoutMs: 90_000 });
    expect(agentLimits({ upstreamTimeout: "2m" }, { PALISADE_UPSTREAM_TIMEOUT: "90s" })).toEqual({ upstreamTimeoutMs: 120_000 });
    expect(() => agentLimits({ upstreamTimeout: "0s" }, {})).toThrow("--upstream-timeout must be at least 1s");
    expect(() => agentLimits({ upstreamTimeout: "soon" }, {})).toThrow(CliError);
    expect(agentLimits({}, { PALISADE_DRAIN_TIMEOUT: "2m" })).toEqual({ drainTimeoutMs: 120_000 });
    expect(agentLimits({ upstreamIdleTimeout: "45s" }, { PALISADE_UPSTREAM_IDLE_TIMEOUT: "2m" })).toEqual({ upstreamIdleTimeoutMs: 45_000 });
    expect(agentLimits({}, { PALISADE_UPSTREAM_IDLE_TIMEOUT: "2m" })).toEqual({ upstreamIdleTimeoutMs: 120_000 });
    expect(() => agentLimits({ upstreamIdleTimeout: "0s" }, {})).toThrow("--upstream-idle-timeout must be at least 1s");
  });
});

describe("--phone-regions", () => {
  it("reads regions from the flag or PALISADE_PHONE_REGIONS, none for + numbers only, and refuses what is no region code", () => {
    expect(agentLimits({ phoneRegions: "us, gb" }, {})).toEqual({ phoneRegions: ["US", "GB"] });
    expect(agentLimits({}, { PALISADE_PHONE_REGIONS: "DE" })).toEqual({ phoneRegions: ["DE"] });
    expect(agentLimits({ phoneRegions: "none" }, { PALISADE_PHONE_REGIONS: "DE" })).toEqual({ phoneRegions: [] });
    expect(() => agentLimits({ phoneRegions: "USA" }, {})).toThrow(/--phone-regions must be ISO 3166 alpha-2 regions/);
  });
});

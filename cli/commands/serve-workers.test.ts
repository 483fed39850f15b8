import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { agentWorkers } from "./serve-workers.js";

describe("agentWorkers", () => {
  it("reads --workers, else PALISADE_WORKERS, else 1; auto is the available parallelism", () => {
    expect(agentWorkers(undefined, {})).toBe(1);
    expect(agentWorkers(undefined, { PALISADE_WORKERS: "3" })).toBe(3);
    expect(agentWorkers("2", { PALISADE_WORKERS: "3" })).toBe(2);
    expect(agentWorkers("auto", {})).toBe(availableParallelism());
  });

  it("refuses what is not a count from 1 to 256", () => {
    for (const bad of ["0", "-1", "1.5", "two", "257"]) {
      expect(() => agentWorkers(bad, {})).toThrow(`--workers must be a whole number from 1 to 256, or auto, got "${bad}"`);
    }
  });
});

// Policy cost: compiling 10,000 policies (what an agent does per snapshot), evaluating one request
// against 10, 1,000 and 10,000 policies (allowed groups, every policy, limits: the agent's whole
// policy step), and applying 10,000 policies through the real control plane until an agent
// enforces them.
import { compilePolicies } from "../agent/policy/compile-policies.js";
import { admitRequest } from "../agent/policy/admit-request.js";
import { createLimitTracker } from "../agent/policy/limits.js";
import { percentile, type Bench, type Metric } from "./bench.js";
import { benchRequest, snapshotPolicies } from "./policy-set.js";
import { measureApply } from "./policy-apply.js";

function compileMetrics(): Metric[] {
  const policies = snapshotPolicies(10_000);
  const samples: number[] = [];
  for (let run = 0; run < 5; run++) {
    const start = process.hrtime.bigint();
    compilePolicies(policies, ["openai"]);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const previous = compilePolicies(policies, ["openai"]);
  const again: number[] = [];
  for (let run = 0; run < 5; run++) {
    const start = process.hrtime.bigint();
    compilePolicies(policies, ["openai"], previous);
    again.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return [
    { name: "compile 10000 policies", value: percentile(samples, 50), unit: "ms", note: "median of 5, cold" },
    { name: "recompile 10000 policies, conditions unchanged", value: percentile(again, 50), unit: "ms", note: "median of 5, the next snapshot" },
  ];
}

function evaluateMetrics(count: number): Metric[] {
  const compiled = compilePolicies(snapshotPolicies(count), ["openai"]);
  const limits = createLimitTracker();
  const connection = { name: "openai", allowedGroups: new Set<string>() };
  const iterations = Math.max(200, Math.min(20_000, Math.floor(2_000_000 / count)));
  const samples: number[] = [];
  for (let i = 0; i < iterations + iterations / 10; i++) {
    const context = benchRequest(Date.now());
    const start = process.hrtime.bigint();
    const result = admitRequest({ session: "bench", connection, policies: compiled, limits, context });
    const elapsed = Number(process.hrtime.bigint() - start) / 1e3;
    if (!result.ok) throw new Error(`bench request refused: ${result.reason}`);
    if (i >= iterations / 10) samples.push(elapsed); // the first tenth warms the JIT up
  }
  const note = `${iterations} requests`;
  return [
    { name: `evaluate ${count} policies p50`, value: percentile(samples, 50), unit: "µs", note },
    { name: `evaluate ${count} policies p99`, value: percentile(samples, 99), unit: "µs", note },
  ];
}

const bench: Bench = {
  description: "compile 10,000 policies; per-request evaluation with 10 / 1,000 / 10,000; apply 10,000 through the control plane",
  async run() {
    const metrics: Metric[] = compileMetrics();
    for (const count of [10, 1_000, 10_000]) metrics.push(...evaluateMetrics(count));
    metrics.push(...(await measureApply(10_000)));
    return metrics;
  },
};
export default bench;

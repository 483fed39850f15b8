// Reads what bench/request-probe.mjs wrote (`tsx bench/request-probe-report.ts FILE`) and prints,
// for each stretch of one-at-a-time requests (a one-connection window: requests that never
// overlapped, separated from the next stretch by a pause), the agent's own view of its slowest
// 1 %: how long they took inside the agent, how much of that its main thread ran, waited for a CPU
// (run queue), or waited for the upstream, and how many overlapped a GC pause, beside the medians
// of all requests. It tells "the agent's own work" from "waiting for a CPU" per slow request.
import { readFileSync } from "node:fs";

interface Request { k: "req"; t0: number; t1: number; run: number; wait: number; concurrent: number; sent?: number; answered?: number }
interface Gc { k: "gc"; t0: number; d: number }

const PAUSE_US = 300_000;
const MIN_REQUESTS = 500;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

/** Medians of a set of requests, in µs: in the agent, running, waiting for a CPU, upstream, before and after it. */
function phases(requests: Request[]): string {
  const upstream = requests.filter((r) => r.sent !== undefined && r.answered !== undefined);
  const figures = {
    wall: median(requests.map((r) => r.t1 - r.t0)),
    run: median(requests.map((r) => r.run)),
    "run-queue wait": median(requests.map((r) => r.wait)),
    "before upstream": median(upstream.map((r) => r.sent! - r.t0)),
    upstream: median(upstream.map((r) => r.answered! - r.sent!)),
    "after upstream": median(upstream.map((r) => r.t1 - r.answered!)),
  };
  return Object.entries(figures).map(([name, value]) => `${name} ${Math.round(value)}`).join(", ");
}

/** Stretches of requests that each ran alone, split at pauses. */
function windows(requests: Request[]): Request[][] {
  const out: Request[][] = [];
  let current: Request[] = [];
  for (const request of requests) {
    const previous = current.at(-1);
    if (request.concurrent > 0 || (previous && request.t0 - previous.t1 > PAUSE_US)) {
      if (current.length > 0) out.push(current);
      current = [];
      if (request.concurrent > 0) continue;
    }
    current.push(request);
  }
  if (current.length > 0) out.push(current);
  return out.filter((window) => window.length >= MIN_REQUESTS);
}

const file = process.argv[2];
if (!file) throw new Error("usage: tsx bench/request-probe-report.ts FILE");
const rows = readFileSync(file, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line) as Request | Gc);
const requests = rows.filter((row): row is Request => row.k === "req").sort((a, b) => a.t0 - b.t0);
const gcs = rows.filter((row): row is Gc => row.k === "gc");
const overlapsGc = (r: Request) => gcs.some((gc) => gc.t0 <= r.t1 && gc.t0 + gc.d >= r.t0);

for (const [i, window] of windows(requests).entries()) {
  const walls = window.map((r) => r.t1 - r.t0);
  const p99 = percentile(walls, 99);
  const slow = window.filter((r) => r.t1 - r.t0 >= p99);
  const mostly = (pick: (r: Request) => number) => slow.filter((r) => pick(r) > (r.t1 - r.t0) / 2).length;
  console.log(`window ${i + 1}: ${window.length} requests, in the agent p50 ${Math.round(median(walls))} µs, p99 ${Math.round(p99)} µs`);
  console.log(`  all (medians, µs):         ${phases(window)}`);
  console.log(`  slowest 1 % (medians, µs): ${phases(slow)}`);
  console.log(
    `  of the slowest ${slow.length}: ${slow.filter(overlapsGc).length} overlapped a GC pause; more than half of their time ` +
      `running ${mostly((r) => r.run)}, waiting for a CPU ${mostly((r) => r.wait)}, ` +
      `waiting for the upstream ${mostly((r) => (r.sent !== undefined && r.answered !== undefined ? r.answered - r.sent : 0))}`,
  );
}

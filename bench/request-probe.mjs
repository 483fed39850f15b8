// A preload that times every request an agent serves, from inside it, to take its one-connection
// tail apart: `PALISADE_BENCH_AGENT_FLAGS="--import ./bench/request-probe.mjs"` (absolute path, or
// relative to where the bench runs) with PALISADE_PROBE_FILE=FILE. It records, in epoch
// microseconds, when node:http began each request and finished its response, when undici sent the
// upstream request and got its headers, the main thread's running time and run-queue wait over the
// request (Linux /proc/thread-self/schedstat: what the thread ran, and what it waited for a CPU
// while runnable), and the process's GC pauses; written as JSON lines when the process exits.
// `tsx bench/request-probe-report.ts FILE` reads it. Plain JavaScript: it runs before any loader.
// Nothing here changes what the agent does; reading schedstat costs a few µs per request.
import dc from "node:diagnostics_channel";
import { openSync, readSync, writeFileSync } from "node:fs";
import { PerformanceObserver, performance } from "node:perf_hooks";

const file = process.env.PALISADE_PROBE_FILE ?? `request-probe-${process.pid}.jsonl`;
const origin = performance.timeOrigin * 1000;
const now = () => Math.round(origin + performance.now() * 1000);
const buffer = Buffer.alloc(64);
let schedstat;
try {
  schedstat = openSync("/proc/thread-self/schedstat", "r");
} catch {
  schedstat = undefined; // not Linux: no run/wait figures
}
/** [running µs, run-queue wait µs] of the main thread since it started. */
const sched = () => {
  if (schedstat === undefined) return [0, 0];
  const text = buffer.toString("latin1", 0, readSync(schedstat, buffer, 0, 64, 0));
  const [run, wait] = text.split(" ");
  return [Math.round(Number(run) / 1000), Math.round(Number(wait) / 1000)];
};

const rows = [];
const MAX_ROWS = 3_000_000;
const keep = (row) => {
  if (rows.length < MAX_ROWS) rows.push(row);
};
const open = new Map(); // request -> its row, while in flight
// The one request in flight, for undici's events (they carry no server request): only then are
// the upstream phases attributable, as at one connection.
const sole = () => (open.size === 1 ? open.values().next().value : undefined);

dc.subscribe("http.server.request.start", ({ request, response }) => {
  const [run, wait] = sched();
  open.set(request, { k: "req", t0: now(), run0: run, wait0: wait, concurrent: open.size });
  // A response cut before it finished (a load generator stopping mid-request) is not in flight any more.
  response.once("close", () => open.delete(request));
});
dc.subscribe("http.server.response.finish", ({ request }) => {
  const row = open.get(request);
  if (!row) return;
  open.delete(request);
  const [run, wait] = sched();
  row.t1 = now();
  row.run = run - row.run0;
  row.wait = wait - row.wait0;
  delete row.run0;
  delete row.wait0;
  keep(row);
});
dc.subscribe("undici:client:sendHeaders", () => {
  const row = sole();
  if (row) row.sent = now();
});
dc.subscribe("undici:request:headers", () => {
  const row = sole();
  if (row) row.answered = now();
});
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) keep({ k: "gc", t0: Math.round(origin + entry.startTime * 1000), d: Math.round(entry.duration * 1000) });
}).observe({ entryTypes: ["gc"] });

process.on("exit", () => writeFileSync(file, rows.map((row) => JSON.stringify(row)).join("\n")));

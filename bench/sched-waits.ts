// Who holds the CPUs while the agent's main thread waits for one: records the kernel scheduler
// for a few seconds (`perf sched record`, root or perf_event_paranoid ≤ 1) while a load runs, and
// prints, for the watched thread, its wake-up → run delays and who ran on the CPUs meanwhile, and,
// for every thread of the parties named, its wake-ups, CPU and runs per second
// (bench/sched-trace.ts; docs/performance.md, "Issue 13: who the one-connection tail waits for").
//
//   tsx bench/sched-waits.ts --seconds 3 --party agent=PID --party control-plane=PID \
//     --party postgres=$(pgrep -d, -x postgres) --party bench=PID [--thread TID] [--keep FILE]
//
// The watched thread is the first party's main thread unless --thread names one. --keep FILE
// keeps the trace text and its labels (FILE, FILE.labels.json); --from FILE reads them instead of
// recording.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type Activity, analyse, labeller, parseSched } from "./sched-trace.js";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "3" },
    party: { type: "string", multiple: true, default: [] },
    thread: { type: "string" },
    keep: { type: "string" },
    from: { type: "string" },
    threshold: { type: "string", default: "0.5" },
  },
});

/** Every live thread of the parties' processes, labelled `party/comm`. */
function threadLabels(parties: string[]): { labels: [number, string][]; first?: number } {
  const labels: [number, string][] = [];
  let first: number | undefined;
  for (const spec of parties) {
    const [party, pids = ""] = spec.split("=");
    for (const pid of pids.split(",").filter(Boolean).map(Number)) {
      first ??= pid;
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
        labels.push([Number(tid), `${party}/${comm}`]);
      }
    }
  }
  return { labels, first };
}

let text: string;
let labels: [number, string][];
let watched: number;
if (values.from) {
  text = readFileSync(values.from, "utf8");
  ({ labels, watched } = JSON.parse(readFileSync(`${values.from}.labels.json`, "utf8")) as { labels: [number, string][]; watched: number });
} else {
  const found = threadLabels(values.party);
  labels = found.labels;
  const chosen = values.thread ? Number(values.thread) : found.first;
  if (chosen === undefined) throw new Error("name the parties (--party NAME=PID,…) or a --thread");
  watched = chosen;
  const dir = mkdtempSync(join(tmpdir(), "sched-waits-"));
  try {
    const data = join(dir, "perf.data");
    execFileSync("perf", ["sched", "record", "-q", "-o", data, "--", "sleep", values.seconds], { stdio: ["ignore", "ignore", "inherit"] });
    text = execFileSync("perf", ["sched", "script", "-i", data], { maxBuffer: 1 << 30, stdio: ["ignore", "pipe", "ignore"] }).toString();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (values.keep) {
    writeFileSync(values.keep, text);
    writeFileSync(`${values.keep}.labels.json`, JSON.stringify({ labels, watched }));
  }
}

const labelOf = new Map(labels);
const threshold = Number(values.threshold) / 1000;
const { waits, activity, seconds } = analyse(parseSched(text), watched, labeller(labelOf), threshold);
const ms = (s: number) => (s * 1000).toFixed(3);
const at = (p: number) => waits.delays[Math.min(waits.delays.length - 1, Math.floor((1 - p) * waits.delays.length))] ?? 0;
const shares = (held: Map<string, number>) => {
  const total = [...held.values()].reduce((sum, s) => sum + s, 0) || 1;
  return [...held].sort((a, b) => b[1] - a[1]).slice(0, 14).map(([name, s]) => `${name} ${((s / total) * 100).toFixed(0)} %`).join(", ");
};
const long = waits.delays.filter((d) => d > threshold);
console.log(`${labelOf.get(watched) ?? watched} (${watched}), ${seconds.toFixed(1)} s: ${waits.delays.length} waits for a CPU (wake-ups and preemptions), p50 ${ms(at(0.5))} ms, p90 ${ms(at(0.9))}, p99 ${ms(at(0.99))}, max ${ms(waits.delays[0] ?? 0)}`);
console.log(`  ${long.length} waits over ${values.threshold} ms (${ms(long.reduce((s, d) => s + d, 0))} ms in all); the CPUs meanwhile: ${shares(waits.heldDuringLong)}`);
console.log(`  during all waits: ${shares(waits.heldDuringAll)}`);
const line = (name: string, a: Activity) => {
  const runs = [...a.runs].sort((x, y) => x - y);
  const q = (p: number) => ms(runs[Math.min(runs.length - 1, Math.floor(p * runs.length))] ?? 0);
  const over = runs.filter((r) => r > 0.001).length;
  return `  ${name.padEnd(28)} woken ${(a.wakeups / seconds).toFixed(0).padStart(5)}/s  CPU ${((a.cpu / seconds) * 1000).toFixed(1).padStart(6)} ms/s  runs ${(runs.length / seconds).toFixed(0).padStart(5)}/s  p50 ${q(0.5)} p99 ${q(0.99)} ms  over 1 ms ${(over / seconds).toFixed(1)}/s`;
};
console.log("threads of the parties named:");
for (const [name, a] of [...activity].filter(([name]) => !name.startsWith("other:")).sort((x, y) => y[1].cpu - x[1].cpu)) console.log(line(name, a));
const others = [...activity].filter(([name]) => name.startsWith("other:")).sort((x, y) => y[1].cpu - x[1].cpu);
const otherCpu = others.reduce((sum, [, a]) => sum + a.cpu, 0);
console.log(`everything else: CPU ${((otherCpu / seconds) * 1000).toFixed(0)} ms/s (largest: ${others.slice(0, 5).map(([n, a]) => `${n} ${((a.cpu / seconds) * 1000).toFixed(0)}`).join(", ")})`);

// Request overhead of Palisade side by side with its yardsticks in one run on this machine, each
// server in a process of its own in front of the same fast provider: direct (no gateway), the floor
// (a bare node:http + undici pass-through: what any Node gateway costs at least), Palisade split
// (agent and control plane processes, as deployed), Palisade `up` (what `npm start` runs: one
// command for control plane, embedded database and agent) and Portkey's open-source gateway.
// Palisade has a caller token, 20 policies and a mask policy on every request, and records every
// exchange. Rounds are interleaved (each round visits every column, in a rotated order), each window
// waits for a quiet machine first, and every figure is the median over rounds with its range.
// CPU per request (from /proc, each server process) is the figure that depends least on what else
// the machine runs; latency figures from a busy machine are indicative only.
import type { Bench, Metric } from "./bench.js";
import { startFastProvider } from "./fast-provider.js";
import { installPeers, startFloor, startPortkey } from "./floor-and-peers.js";
import { load, type LoadFigures } from "./load.js";
import { awaitQuiet } from "./machine-load.js";
import { maskPolicy, startPalisadePath, startPalisadeUp } from "./overhead-stack.js";
import { cpuTimeMs } from "./processes.js";
import { type StreamFigures, timeStreams } from "./stream-timing.js";

const ROUNDS = Number(process.env.OVERHEAD_ROUNDS ?? 3);
const SECONDS = Number(process.env.OVERHEAD_SECONDS ?? 4);
const WARMUP_SECONDS = 3;
const SATURATING = 16;
// 258 content deltas + the role chunk, the finish chunk and [DONE]: 261 events.
const TOKENS = 258;
// 100: the CPU per stream is the window's CPU over them, and a collection of the 16-connection
// window's garbage (tens of ms) spread over 22 streams moved it by 1–2 ms a stream.
const STREAMS = 100;
// The agent holds every exchange until the control plane ACKs it: sized so that a control plane
// ingesting more slowly than the agent serves does not turn the run into 503s.
const BUFFER = 400_000;

const paragraph =
  "Please review the following quarterly report and summarise the main risks for the board. " +
  "Revenue grew in every region except the north, where two large customers renewed late. ";

/** A small chat completion as an SDK sends it (~1 KB). */
const smallBody = JSON.stringify({
  model: "gpt-4o-mini",
  messages: [
    { role: "system", content: "You are a careful analyst." },
    { role: "user", content: paragraph.repeat(5) },
  ],
});
// What the OpenAI JS SDK sends beside the body (openai 7.55.0 on Node 24), on every column's requests:
// a gateway inspects them too (their names and values are request text).
// OVERHEAD_SDK_HEADERS=0 leaves them out (the bench as it was before issue 13's second session).
const sdkHeaders: Record<string, string> = process.env.OVERHEAD_SDK_HEADERS === "0" ? {} : {
  accept: "application/json",
  "user-agent": "OpenAI/JS 7.55.0",
  "x-stainless-lang": "js",
  "x-stainless-package-version": "7.55.0",
  "x-stainless-os": "Linux",
  "x-stainless-arch": "x64",
  "x-stainless-runtime": "node",
  "x-stainless-runtime-version": "v24.21.0",
  "x-stainless-retry-count": "0",
  "x-stainless-timeout": "600",
};
const streamBody = JSON.stringify({ model: "gpt-4o-mini", stream: true, messages: [{ role: "user", content: "Write a long story." }] });

/** One server measured: where to send, and which process's CPU it costs (none for direct). */
interface Column {
  name: string;
  baseURL: string;
  headers: Record<string, string>;
  /** Palisade's connection without the mask policy: its streams are timed too (unmasked goal). */
  plainURL?: string;
  pid?: number;
  /** Another process the column's requests cost (the split control plane), reported apart. */
  sidePid?: number;
  close(): Promise<void>;
}

/** One window's figures: latency, throughput and CPU per request (µs) or per stream (ms). */
interface Window<T> {
  figures: T;
  cpu: number;
  sideCpu: number;
  busy: number;
}

async function cpu(pid: number | undefined): Promise<number> {
  return pid === undefined ? 0 : cpuTimeMs(pid);
}

async function measured<T>(column: Column, work: () => Promise<T>, count: (figures: T) => number, scale: number): Promise<Window<T>> {
  const busy = await awaitQuiet();
  const [before, sideBefore] = await Promise.all([cpu(column.pid), cpu(column.sidePid)]);
  const figures = await work();
  const [after, sideAfter] = await Promise.all([cpu(column.pid), cpu(column.sidePid)]);
  const n = count(figures);
  return { figures, cpu: ((after - before) * scale) / n, sideCpu: ((sideAfter - sideBefore) * scale) / n, busy };
}

function loadWindow(column: Column, connections: number): Promise<Window<LoadFigures>> {
  const url = `${column.baseURL}/chat/completions`;
  const headers = { ...sdkHeaders, ...column.headers, "content-type": "application/json" };
  return measured(column, () => load(url, headers, smallBody, SECONDS, connections), (f) => f.requests, 1000);
}

function streamWindow(column: Column, baseURL = column.baseURL): Promise<Window<StreamFigures>> {
  const headers = { ...sdkHeaders, ...column.headers, "content-type": "application/json" };
  return measured(column, () => timeStreams(new URL(`${baseURL}/chat/completions`), headers, streamBody, TOKENS, STREAMS), () => STREAMS + 2, 1);
}

async function warmUp(column: Column): Promise<void> {
  const url = `${column.baseURL}/chat/completions`;
  const headers = { ...sdkHeaders, ...column.headers, "content-type": "application/json" };
  await load(url, headers, smallBody, WARMUP_SECONDS, SATURATING);
  await load(url, headers, smallBody, 1, 1);
  await timeStreams(new URL(url), headers, streamBody, TOKENS, 3);
  if (column.plainURL) await timeStreams(new URL(`${column.plainURL}/chat/completions`), headers, streamBody, TOKENS, 3);
}

interface Round {
  one: Window<LoadFigures>;
  many: Window<LoadFigures>;
  stream: Window<StreamFigures>;
  /** The same stream through Palisade's connection without the mask policy. */
  plain?: Window<StreamFigures>;
}

/** Median (upper) of `values` with their range, for the note. */
function spread(values: number[]): { median: number; range: string } {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  const f = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(2));
  return { median, range: sorted.length > 1 ? `range ${f(sorted[0]!)}–${f(sorted.at(-1)!)}` : "1 round" };
}

function metric(name: string, values: number[], unit: Metric["unit"], note?: string): Metric {
  const { median, range } = spread(values);
  return { name, value: median, unit, note: [range, note].filter(Boolean).join("; ") };
}

/** Per-round ratio of two columns' figures. */
const ratios = (a: number[], b: number[]) => a.map((value, i) => value / b[i]!);

function columnMetrics(name: string, rounds: Round[], direct: Round[]): Metric[] {
  const of = (pick: (round: Round) => number) => rounds.map(pick);
  const added = (pick: (round: Round) => number) => rounds.map((round, i) => pick(round) - pick(direct[i]!));
  if (name === "direct") {
    return [
      metric("1 connection direct p50", of((r) => r.one.figures.p50), "ms"),
      metric("1 connection direct p99", of((r) => r.one.figures.p99), "ms"),
      metric(`${SATURATING} connections direct time per 1000 requests`, of((r) => 1e6 / r.many.figures.perSecond), "ms", "the load generator's own ceiling, mostly"),
      metric("stream direct first token", of((r) => r.stream.figures.firstToken), "ms"),
      metric("stream direct total", of((r) => r.stream.figures.total), "ms"),
    ];
  }
  const metrics = [
    metric(`1 connection ${name} added p50`, added((r) => r.one.figures.p50), "ms", name.startsWith("palisade") ? "target ≤ 0.3 ms" : undefined),
    metric(`1 connection ${name} added p99`, added((r) => r.one.figures.p99), "ms", name.startsWith("palisade") ? "target ≤ 1.5 ms" : undefined),
    metric(`1 connection ${name} CPU per request`, of((r) => r.one.cpu), "µs", "user+system of its process(es) / requests"),
    metric(`${SATURATING} connections ${name} CPU per request`, of((r) => r.many.cpu), "µs"),
    metric(`${SATURATING} connections ${name} time per 1000 requests`, of((r) => 1e6 / r.many.figures.perSecond), "ms"),
    metric(`${SATURATING} connections ${name} p99`, of((r) => r.many.figures.p99), "ms", "includes the wait in its queue"),
    metric(`stream ${name} first token added`, added((r) => r.stream.figures.firstToken), "ms", name.startsWith("palisade") ? "target ≤ 1.5 ms masked" : undefined),
    metric(`stream ${name} total added`, added((r) => r.stream.figures.total), "ms"),
    metric(`stream ${name} CPU per stream`, of((r) => r.stream.cpu), "ms", `261 events${name.startsWith("palisade") ? "; target ≤ 1.5 ms" : ""}`),
  ];
  if (rounds[0]!.plain) {
    metrics.push(
      metric(`stream ${name} unmasked first token added`, rounds.map((r, i) => (r.plain?.figures.firstToken ?? Number.NaN) - direct[i]!.stream.figures.firstToken), "ms", "connection without the mask policy; target ≤ 0.5 ms"),
      metric(`stream ${name} unmasked CPU per stream`, of((r) => r.plain?.cpu ?? Number.NaN), "ms", "261 events, connection without the mask policy"),
    );
  }
  if (rounds[0]!.one.sideCpu > 0 || rounds[0]!.many.sideCpu > 0) {
    metrics.push(metric(`${SATURATING} connections ${name} control plane CPU per request`, of((r) => r.many.sideCpu), "µs", "its own process (ingest of the records)"));
  }
  return metrics;
}

function comparisons(results: Map<string, Round[]>): Metric[] {
  const cpuMany = (name: string) => results.get(name)?.map((r) => r.many.cpu);
  const p99One = (name: string) => results.get(name)?.map((r) => r.one.figures.p99);
  const out: Metric[] = [];
  const floor = cpuMany("floor");
  const peer = cpuMany("portkey");
  for (const name of ["palisade", "palisade up"]) {
    const own = cpuMany(name);
    if (own && floor) out.push(metric(`${name} CPU per request ÷ floor`, ratios(own, floor), "x", `${SATURATING} connections; target ≤ 1.5`));
    if (own && peer) out.push(metric(`${name} CPU per request ÷ portkey`, ratios(own, peer), "x", "target ≤ 0.25 (4× Portkey's requests per CPU-second)"));
  }
  const palisadeP99 = p99One("palisade");
  const peerP99 = p99One("portkey");
  if (palisadeP99 && peerP99) out.push(metric("1 connection palisade p99 ÷ portkey p99", ratios(palisadeP99, peerP99), "x", "target < 1"));
  return out;
}

// OVERHEAD_COLUMNS=floor,palisade (say) runs only those beside direct (for a profile, a quick look).
const wanted = (name: string) => !process.env.OVERHEAD_COLUMNS || process.env.OVERHEAD_COLUMNS.split(",").includes(name);

async function startColumns(providerUrl: string): Promise<Column[]> {
  const columns: Column[] = [{ name: "direct", baseURL: `${providerUrl}/v1`, headers: { authorization: "Bearer sk-bench" }, close: async () => {} }];
  try {
    if (wanted("floor")) columns.push({ name: "floor", ...(await startFloor(providerUrl)) });
    // Masking on for every request (the detectors scan prompt and reply; nothing in them matches).
    const caller = (token: string) => ({ authorization: `Bearer ${token}`, "x-team": "blue" });
    if (wanted("palisade")) {
      const split = await startPalisadePath(providerUrl, [maskPolicy("", ["openai"])], { bufferSize: BUFFER });
      columns.push({ name: "palisade", baseURL: split.baseURL, plainURL: split.plainURL, headers: caller(split.token), pid: split.agentPid, sidePid: split.controlPlanePid, close: split.close });
    }
    if (wanted("palisade up")) {
      const up = await startPalisadeUp(providerUrl, [maskPolicy("", ["openai"])], { bufferSize: BUFFER });
      columns.push({ name: "palisade up", baseURL: up.baseURL, plainURL: up.plainURL, headers: caller(up.token), pid: up.agentPid, close: up.close });
    }
    if (wanted("portkey") && process.env.OVERHEAD_PEERS !== "0" && (await installPeers())) columns.push({ name: "portkey", ...(await startPortkey(providerUrl)) });
    return columns;
  } catch (error) {
    for (const column of columns) await column.close();
    throw error;
  }
}

const bench: Bench = {
  description: `small completions at 1 and ${SATURATING} connections and a 261-event stream: direct, floor, Palisade split and up (auth, 20 policies, masking on, recorded), Portkey; ${ROUNDS} interleaved rounds`,
  async run() {
    const provider = await startFastProvider(TOKENS);
    const columns = await startColumns(provider.url);
    try {
      for (const column of columns) await warmUp(column);
      const results = new Map<string, Round[]>(columns.map((column) => [column.name, []]));
      for (let round = 0; round < ROUNDS; round++) {
        const order = columns.map((_, i) => columns[(i + round) % columns.length]!);
        for (const column of order) {
          const one = await loadWindow(column, 1);
          const many = await loadWindow(column, SATURATING);
          const stream = await streamWindow(column);
          const plain = column.plainURL ? await streamWindow(column, column.plainURL) : undefined;
          results.get(column.name)!.push({ one, many, stream, plain });
          const busy = [one.busy, many.busy, stream.busy].map((b) => `${(b * 100).toFixed(0)}%`).join("/");
          console.log(
            `round ${round + 1} ${column.name.padEnd(11)} 1c p50 ${one.figures.p50.toFixed(3)} p99 ${one.figures.p99.toFixed(3)} ms, ${one.cpu.toFixed(0)} µs/req; ` +
              `${SATURATING}c ${many.figures.perSecond.toFixed(0)} req/s ${many.cpu.toFixed(0)} µs/req; stream ${stream.cpu.toFixed(2)} ms CPU${plain ? ` (unmasked ${plain.cpu.toFixed(2)})` : ""}; machine busy before ${busy}`,
          );
        }
      }
      const busy = [...results.values()].flat().flatMap((r) => [r.one.busy, r.many.busy, r.stream.busy]).map((b) => b * 100);
      const direct = results.get("direct")!;
      return [
        metric("machine busy before a window", busy, "%", "all cores, others' work; above ~15% the latency figures are indicative only"),
        ...[...results].flatMap(([name, rounds]) => columnMetrics(name, rounds, direct)),
        ...comparisons(results),
      ];
    } finally {
      for (const column of columns.reverse()) await column.close();
      await provider.close();
    }
  },
};
export default bench;

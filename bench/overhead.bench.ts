// Request overhead of Palisade against the direct path, side by side in one run on this machine:
// small chat completions under fixed-duration load, both below saturation (one connection, one
// request at a time: the latency a proxy adds) and at saturation (ten connections: throughput, and
// latency with queueing), and a 2,000-token streamed reply, each direct to a fast local provider and
// through a real agent (auth, 20 policies, masking on, every exchange recorded) and control plane,
// each in its own process. The agent's CPU time per request is the figure that does not depend on
// what else the machine runs.
import type { Bench, Metric } from "./bench.js";
import { startFastProvider } from "./fast-provider.js";
import { load, type LoadFigures } from "./load.js";
import { maskPolicy, startPalisadePath } from "./overhead-stack.js";
import { cpuTimeMs } from "./processes.js";
import { type StreamFigures, timeStreams } from "./stream-timing.js";

const SECONDS = 5;
// Long enough for V8 to have optimised the hot path: a running agent is warm.
const WARMUP_SECONDS = 3;
const SATURATING = 10;
const TOKENS = 2_000;
const STREAMS = 20;
// The agent holds every exchange until the control plane ACKs it: sized so that a control plane
// ingesting more slowly than the agent serves (bench ingest) does not turn the run into 503s.
const BUFFER = 200_000;

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
const streamBody = JSON.stringify({ model: "gpt-4o-mini", stream: true, messages: [{ role: "user", content: "Write a long story." }] });

/** Base URL (`…/v1`) and headers of one path, and the process whose CPU it costs (none for direct). */
interface Path {
  baseURL: string;
  headers: Record<string, string>;
  pid?: number;
}

/** A load run's figures with the CPU time the path's process spent on them, in ms. */
interface Measured<T> {
  figures: T;
  cpuMs: number;
}

async function withCpu<T>(path: Path, work: () => Promise<T>): Promise<Measured<T>> {
  const before = path.pid === undefined ? 0 : await cpuTimeMs(path.pid);
  const figures = await work();
  const cpuMs = path.pid === undefined ? 0 : (await cpuTimeMs(path.pid)) - before;
  return { figures, cpuMs };
}

async function measureLoad(path: Path, connections: number): Promise<Measured<LoadFigures>> {
  const url = `${path.baseURL}/chat/completions`;
  await load(url, path.headers, smallBody, WARMUP_SECONDS, connections);
  return withCpu(path, () => load(url, path.headers, smallBody, SECONDS, connections));
}

function measureStreams(path: Path): Promise<Measured<StreamFigures>> {
  return withCpu(path, () => timeStreams(new URL(`${path.baseURL}/chat/completions`), path.headers, streamBody, TOKENS, STREAMS));
}

const ms = (value: number) => `${value.toFixed(2)} ms`;

/** Latency figures of one load mode, direct beside Palisade, and the agent's CPU per request. */
function latencyMetrics(mode: string, direct: LoadFigures, palisade: Measured<LoadFigures>, target: boolean): Metric[] {
  const run = (figures: LoadFigures) => `${figures.requests} requests, ${figures.perSecond.toFixed(0)} req/s`;
  const p = palisade.figures;
  return [
    { name: `${mode} direct p50`, value: direct.p50, unit: "ms", note: run(direct) },
    { name: `${mode} direct p99`, value: direct.p99, unit: "ms" },
    { name: `${mode} palisade p50`, value: p.p50, unit: "ms", note: run(p) },
    { name: `${mode} palisade p99`, value: p.p99, unit: "ms" },
    { name: `${mode} added p50`, value: p.p50 - direct.p50, unit: "ms", note: target ? "target ≤ 1 ms" : "includes the wait in the agent's queue" },
    { name: `${mode} added p99`, value: p.p99 - direct.p99, unit: "ms", note: target ? "target ≤ 3 ms" : undefined },
    { name: `${mode} agent CPU per request`, value: (palisade.cpuMs * 1000) / p.requests, unit: "µs", note: "user+system time of the agent process over the run / requests" },
  ];
}

function throughputMetrics(direct: LoadFigures, palisade: LoadFigures): Metric[] {
  const ratio = palisade.perSecond / direct.perSecond;
  return [
    { name: "direct time per 1000 requests", value: 1_000_000 / direct.perSecond, unit: "ms", note: `${direct.perSecond.toFixed(0)} req/s, ${SATURATING} connections` },
    { name: "palisade time per 1000 requests", value: 1_000_000 / palisade.perSecond, unit: "ms", note: `${palisade.perSecond.toFixed(0)} req/s = ${(ratio * 100).toFixed(0)}% of direct (target ≥ 70%)` },
  ];
}

function streamMetrics(direct: StreamFigures, palisade: Measured<StreamFigures>): Metric[] {
  const note = `median of ${STREAMS}, ${TOKENS} chunks`;
  const p = palisade.figures;
  return [
    { name: "stream direct first token", value: direct.firstToken, unit: "ms", note },
    { name: "stream palisade first token", value: p.firstToken, unit: "ms", note: `added ${ms(p.firstToken - direct.firstToken)}` },
    { name: "stream direct total", value: direct.total, unit: "ms", note },
    { name: "stream palisade total", value: p.total, unit: "ms", note: `added ${ms(p.total - direct.total)}, ${(p.total / direct.total).toFixed(2)}x` },
    { name: "stream agent CPU per stream", value: palisade.cpuMs / (STREAMS), unit: "ms", note: `over the ${STREAMS} measured streams` },
  ];
}

const bench: Bench = {
  description: "small completions below and at saturation (p50/p99, req/s, agent CPU) and a 2,000-token stream, direct vs through agent + control plane (20 policies, masking on)",
  async run() {
    const provider = await startFastProvider(TOKENS);
    // Masking on for every request (the detectors scan prompt and reply; nothing in them matches).
    const palisadePath = await startPalisadePath(provider.url, [maskPolicy("")], { bufferSize: BUFFER });
    try {
      const json = { "content-type": "application/json" };
      const direct: Path = { baseURL: `${provider.url}/v1`, headers: { ...json, authorization: "Bearer sk-bench" } };
      const palisade: Path = { baseURL: palisadePath.baseURL, headers: { ...json, authorization: `Bearer ${palisadePath.token}`, "x-team": "blue" }, pid: palisadePath.agentPid };
      const directOne = await measureLoad(direct, 1);
      const palisadeOne = await measureLoad(palisade, 1);
      const directSaturated = await measureLoad(direct, SATURATING);
      const palisadeSaturated = await measureLoad(palisade, SATURATING);
      const directStream = await measureStreams(direct);
      const palisadeStream = await measureStreams(palisade);
      console.log(`control plane on ${palisadePath.storage}`);
      return [
        ...latencyMetrics("1 connection", directOne.figures, palisadeOne, true),
        ...latencyMetrics(`${SATURATING} connections`, directSaturated.figures, palisadeSaturated, false),
        ...throughputMetrics(directSaturated.figures, palisadeSaturated.figures),
        ...streamMetrics(directStream.figures, palisadeStream),
      ];
    } finally {
      await palisadePath.close();
      await provider.close();
    }
  },
};
export default bench;

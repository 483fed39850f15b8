// Request overhead of Palisade against the direct path, side by side in one run on this machine:
// small chat completions under fixed-duration load (autocannon, 10 connections) and a 2,000-token
// streamed reply, each direct to a fast local provider and through a real agent (auth, 20 policies)
// and control plane. The provider runs in a worker thread and the agent in its own process.
import { Pool } from "undici";
import type { Bench, Metric } from "./bench.js";
import { percentile } from "./bench.js";
import { startFastProvider } from "./fast-provider.js";
import { load, type LoadFigures } from "./load.js";
import { startPalisadePath } from "./overhead-stack.js";

const SECONDS = 5;
const WARMUP_SECONDS = 1;
const CONNECTIONS = 10;
const TOKENS = 2_000;
const STREAMS = 20;

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

/** Base URL (`…/v1`) and headers of one path. */
interface Path {
  name: string;
  baseURL: string;
  headers: Record<string, string>;
}

async function measureLoad(path: Path): Promise<LoadFigures> {
  const url = `${path.baseURL}/chat/completions`;
  await load(url, path.headers, smallBody, WARMUP_SECONDS, CONNECTIONS);
  return load(url, path.headers, smallBody, SECONDS, CONNECTIONS);
}

/** Median time to the first content token and to the end of a 2,000-token stream, in ms. */
async function measureStream(path: Path): Promise<{ firstToken: number; total: number }> {
  const url = new URL(`${path.baseURL}/chat/completions`);
  const pool = new Pool(url.origin, { connections: 1 });
  const first: number[] = [];
  const total: number[] = [];
  try {
    for (let run = 0; run < STREAMS + 2; run++) {
      const start = process.hrtime.bigint();
      const response = await pool.request({ path: url.pathname, method: "POST", headers: path.headers, body: streamBody });
      if (response.statusCode !== 200) throw new Error(`${path.name} stream answered ${response.statusCode}: ${await response.body.text()}`);
      let firstMs = Number.NaN;
      let text = "";
      for await (const chunk of response.body) {
        text += (chunk as Buffer).toString("utf8");
        if (Number.isNaN(firstMs) && text.includes('"content":" tok0"')) firstMs = Number(process.hrtime.bigint() - start) / 1e6;
      }
      const totalMs = Number(process.hrtime.bigint() - start) / 1e6;
      if (!text.includes(` tok${TOKENS - 1}"`) || !text.includes("[DONE]")) throw new Error(`${path.name} stream ended early`);
      if (run < 2) continue; // warm-up
      first.push(firstMs);
      total.push(totalMs);
    }
  } finally {
    await pool.close();
  }
  return { firstToken: percentile(first, 50), total: percentile(total, 50) };
}

const ms = (value: number) => `${value.toFixed(2)} ms`;

function loadMetrics(direct: LoadFigures, palisade: LoadFigures): Metric[] {
  const run = `${SECONDS} s, ${CONNECTIONS} connections`;
  const ratio = palisade.perSecond / direct.perSecond;
  return [
    { name: "small completion direct p50", value: direct.p50, unit: "ms", note: `${direct.requests} requests, ${run}` },
    { name: "small completion direct p99", value: direct.p99, unit: "ms" },
    { name: "small completion palisade p50", value: palisade.p50, unit: "ms", note: `${palisade.requests} requests, ${run}` },
    { name: "small completion palisade p99", value: palisade.p99, unit: "ms" },
    { name: "added p50", value: palisade.p50 - direct.p50, unit: "ms", note: "target ≤ 1 ms" },
    { name: "added p99", value: palisade.p99 - direct.p99, unit: "ms", note: "target ≤ 3 ms" },
    { name: "direct time per 1000 requests", value: 1_000_000 / direct.perSecond, unit: "ms", note: `${direct.perSecond.toFixed(0)} req/s` },
    { name: "palisade time per 1000 requests", value: 1_000_000 / palisade.perSecond, unit: "ms", note: `${palisade.perSecond.toFixed(0)} req/s = ${(ratio * 100).toFixed(0)}% of direct (target ≥ 70%)` },
  ];
}

const bench: Bench = {
  description: "small completions (p50/p99, req/s) and a 2,000-token stream, direct vs through agent + control plane with 20 policies",
  async run() {
    const provider = await startFastProvider(TOKENS);
    const palisadePath = await startPalisadePath(provider.url);
    try {
      const json = { "content-type": "application/json" };
      const direct: Path = { name: "direct", baseURL: `${provider.url}/v1`, headers: { ...json, authorization: "Bearer sk-bench" } };
      const palisade: Path = { name: "palisade", baseURL: palisadePath.baseURL, headers: { ...json, authorization: `Bearer ${palisadePath.token}`, "x-team": "blue" } };
      const directLoad = await measureLoad(direct);
      const palisadeLoad = await measureLoad(palisade);
      const directStream = await measureStream(direct);
      const palisadeStream = await measureStream(palisade);
      const streams = `median of ${STREAMS}, ${TOKENS} chunks`;
      return [
        ...loadMetrics(directLoad, palisadeLoad),
        { name: "stream direct first token", value: directStream.firstToken, unit: "ms", note: streams },
        { name: "stream palisade first token", value: palisadeStream.firstToken, unit: "ms", note: `added ${ms(palisadeStream.firstToken - directStream.firstToken)}` },
        { name: "stream direct total", value: directStream.total, unit: "ms", note: streams },
        { name: "stream palisade total", value: palisadeStream.total, unit: "ms", note: `added ${ms(palisadeStream.total - directStream.total)}, ${(palisadeStream.total / directStream.total).toFixed(2)}x` },
      ];
    } finally {
      await palisadePath.close();
      await provider.close();
    }
  },
};
export default bench;

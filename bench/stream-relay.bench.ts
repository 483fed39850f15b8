// The overhead bench's 261-event stream through the agent's relay and record in process, beside the
// floor's proxy in the same thread: forward() (upstream request, relay, usage filter, the reply
// masker for the masked column), the exchange recorder and the exchange buffer's commit (the record
// encoded), each column behind a node:http server of its own in this thread; the fast provider and
// an undici client each in a worker thread, so this thread's CPU (process.threadCpuUsage) is the
// relay's and nothing else's. Columns alternate, rounds of STREAMS streams; medians. What the
// process-level overhead bench adds to this: the request's own path, the control stream and its
// sends, GC on V8's helper threads, the machine's other load.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { pipeline } from "node:stream";
import { Worker } from "node:worker_threads";
import { Agent } from "undici";
import type { CompiledConnection } from "../agent/config/compile-snapshot.js";
import { forward } from "../agent/http/forward.js";
import { createMaskSession, type MaskRule } from "../agent/masking/mask-session.js";
import { openai } from "../agent/providers/openai.js";
import { startExchangeRecorder } from "../agent/record/exchange-recorder.js";
import { createExchangeBuffer } from "../agent/stream/exchange-buffer.js";
import { compileDetectors } from "../core/detectors/compile-detectors.js";
import { percentile, type Bench, type Metric } from "./bench.js";
import { startFastProvider } from "./fast-provider.js";
import { credentialNeedles } from "../agent/http/credential-echo.js";

const TOKENS = 258;
const STREAMS = 50;
const ROUNDS = 8;
const body = JSON.stringify({ model: "gpt-4o-mini", stream: true, messages: [{ role: "user", content: "Write a long story." }] });

// Times streams from another thread: the first token and the end, per stream, in ms.
const clientSource = `
const { parentPort, workerData } = require("node:worker_threads");
const { Pool } = require(workerData.undici);
const pools = new Map();
parentPort.on("message", async ({ url, streams }) => {
  const target = new URL(url);
  let pool = pools.get(target.origin);
  if (!pool) pools.set(target.origin, (pool = new Pool(target.origin, { connections: 1 })));
  const first = [], total = [];
  for (let run = 0; run < streams; run++) {
    const start = process.hrtime.bigint();
    const response = await pool.request({ path: target.pathname, method: "POST", headers: { "content-type": "application/json" }, body: workerData.body });
    let text = "", at = NaN;
    for await (const chunk of response.body) {
      text += chunk.toString("utf8");
      if (Number.isNaN(at) && text.includes("tok0")) at = Number(process.hrtime.bigint() - start) / 1e6;
    }
    if (!text.includes("tok" + (workerData.tokens - 1)) || !text.includes("[DONE]")) throw new Error("stream from " + url + " ended early");
    first.push(at);
    total.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  parentPort.postMessage({ first, total });
});
`;

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/chat/completions`;
};

const readAll = async (req: IncomingMessage) => {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts);
};

/** The agent's relay and record for one connection (masked: the bench's mask policy on the reply). */
function agentServer(upstream: URL, masked: boolean): Server {
  const detectors = compileDetectors({ builtins: ["email", "phone", "payment-card", "secrets"], patterns: [], words: [] });
  const rules: MaskRule[] = [{ policy: "mask-pii", detectors, direction: "both", style: "redact", restore: false }];
  const buffer = createExchangeBuffer(10_000);
  const dispatcher = new Agent();
  const connection: CompiledConnection = { name: "c", provider: openai, upstream, basePath: "/v1", credential: { header: "authorization", value: "Bearer sk-bench" }, credentialNeedles: credentialNeedles("Bearer sk-bench"), allowedGroups: new Set() };
  const route = { connection: "c", rest: "/chat/completions", search: "" };
  let id = 0;
  return createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const bytes = await readAll(req);
    const json: unknown = JSON.parse(bytes.toString("utf8"));
    const exchangeId = String(++id);
    const recorder = startExchangeRecorder({ id: exchangeId, method: "POST", path: route.rest, slot: buffer.reserve()!, recordLimit: 1024 * 1024 });
    recorder.request(bytes, openai.readRequest(json));
    const session = masked ? createMaskSession("openai", route.rest, rules) : undefined;
    recorder.protection({ record: "masked", masks: masked ? rules : [], session, forwarded: bytes, forwardedPath: route.rest });
    const usage = openai.streamUsage!(route.rest, json)!;
    await forward({ dispatcher, headersTimeoutMs: 10_000, idleTimeoutMs: 60_000 }, req, res, connection, route, { bytes: usage.body }, recorder, usage.filter(), session);
    // The control stream's part: take what was committed, as acknowledged.
    buffer.ack(buffer.takeUnsent(100).map((exchange) => exchange.id));
  });
}

/** The floor's proxy (bench/floor-proxy.ts) in this thread. */
function floorServer(upstream: URL): Server {
  const dispatcher = new Agent();
  return createServer((req, res) => {
    dispatcher.request({ origin: upstream, path: "/v1/chat/completions", method: "POST", headers: { "content-type": "application/json" }, body: req }).then((answer) => {
      res.writeHead(answer.statusCode, { "content-type": String(answer.headers["content-type"]) });
      pipeline(answer.body, res, () => {});
    }, () => res.writeHead(502).end());
  });
}

const cpuMs = () => {
  const usage = process.threadCpuUsage();
  return (usage.user + usage.system) / 1000;
};

const bench: Bench = {
  description: "the overhead bench's 261-event stream through the agent's relay and record in process (thread CPU per stream), beside the floor's proxy",
  async run(): Promise<Metric[]> {
    const provider = await startFastProvider(TOKENS);
    const upstream = new URL(provider.url);
    const undici = createRequire(import.meta.url).resolve("undici");
    const client = new Worker(clientSource, { eval: true, workerData: { undici, body, tokens: TOKENS } });
    // One answer awaited at a time: its settlers, told by the client's message, error or exit.
    let waiting: { resolve(figures: { first: number[]; total: number[] }): void; reject(error: Error): void } | undefined;
    client.on("message", (figures) => waiting?.resolve(figures));
    client.on("error", (error) => waiting?.reject(error));
    client.on("exit", () => waiting?.reject(new Error("the client thread stopped")));
    const drive = (url: string, streams: number) =>
      new Promise<{ first: number[]; total: number[] }>((resolve, reject) => {
        waiting = { resolve, reject };
        client.postMessage({ url, streams });
      });
    const columns = [
      { name: "floor proxy", server: floorServer(upstream) },
      { name: "unmasked", server: agentServer(upstream, false) },
      { name: "masked", server: agentServer(upstream, true) },
    ].map((column) => ({ ...column, url: "", cpu: [] as number[], first: [] as number[], total: [] as number[] }));
    try {
      for (const column of columns) {
        column.url = await listen(column.server);
        await drive(column.url, 20);
      }
      for (let round = 0; round < ROUNDS; round++) {
        for (let at = 0; at < columns.length; at++) {
          const column = columns[(at + round) % columns.length]!;
          const start = cpuMs();
          const { first, total } = await drive(column.url, STREAMS);
          await new Promise((resolve) => setImmediate(resolve));
          column.cpu.push((cpuMs() - start) / STREAMS);
          column.first.push(percentile(first, 50));
          column.total.push(percentile(total, 50));
        }
      }
    } finally {
      await client.terminate();
      for (const column of columns) {
        column.server.closeAllConnections();
        await new Promise((resolve) => column.server.close(resolve));
      }
      await provider.close();
    }
    const range = (samples: number[]) => `${Math.min(...samples).toFixed(3)}–${Math.max(...samples).toFixed(3)}`;
    const floor = columns[0]!;
    const floorCpu = percentile([...floor.cpu], 50);
    return columns.flatMap((column) => {
      const cpu = percentile([...column.cpu], 50);
      const metrics: Metric[] = [
        { name: `${column.name}: thread CPU per stream`, value: cpu, unit: "ms", note: `median of ${ROUNDS} rounds of ${STREAMS}, range ${range(column.cpu)}` },
        { name: `${column.name}: first token (client, wall)`, value: percentile([...column.first], 50), unit: "ms", note: `range ${range(column.first)}; whole stream ${percentile([...column.total], 50).toFixed(3)} ms` },
      ];
      if (column !== floor) metrics.push({ name: `${column.name}: CPU ÷ floor proxy`, value: cpu / floorCpu, unit: "x" });
      return metrics;
    });
  },
};

export default bench;

// A minimal, instant OpenAI-shaped provider for the overhead benchmark, run in its own worker thread
// so its work does not share an event loop with the agent or the load generator (on a real
// deployment the provider is another machine). It answers POST /v1/chat/completions with a small
// completion, or with `stream: true` an SSE stream of `tokens` content chunks (one write each), and
// any GET with a one-model list. Plain JavaScript evaluated in the worker: no TypeScript loader needed.
import { Worker } from "node:worker_threads";

const source = `
const { createServer } = require("node:http");
const { parentPort, workerData } = require("node:worker_threads");
const tokens = workerData.tokens;
const base = { id: "chatcmpl-bench", object: "chat.completion", created: 0, model: "gpt-4o-mini", system_fingerprint: null };
const small = Buffer.from(JSON.stringify({ ...base, choices: [{ index: 0, message: { role: "assistant", content: "Noted: the main risks are the late renewals in the north.", refusal: null }, logprobs: null, finish_reason: "stop" }], usage: { prompt_tokens: 420, completion_tokens: 12, total_tokens: 432 } }));
const models = Buffer.from(JSON.stringify({ object: "list", data: [{ id: "gpt-4o-mini", object: "model", created: 0, owned_by: "bench" }] }));
const chunk = (delta, finish) => "data: " + JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] }) + "\\n\\n";
const first = chunk({ role: "assistant", content: "" }, null);
const pieces = Array.from({ length: tokens }, (_, i) => chunk({ content: " tok" + i }, null));
const last = chunk({}, "stop") + "data: [DONE]\\n\\n";
const server = createServer((req, res) => {
  const parts = [];
  req.on("data", (part) => parts.push(part));
  req.on("end", () => {
    if (req.method === "GET") {
      res.writeHead(200, { "content-type": "application/json", "content-length": models.length });
      return res.end(models);
    }
    const stream = parts.length > 0 && Buffer.concat(parts).includes('"stream":true');
    if (!stream) {
      res.writeHead(200, { "content-type": "application/json", "content-length": small.length });
      return res.end(small);
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.write(first);
    for (const piece of pieces) res.write(piece);
    res.end(last);
  });
});
server.listen(0, "127.0.0.1", () => parentPort.postMessage(server.address().port));
parentPort.on("message", () => { server.closeAllConnections(); server.close(() => process.exit(0)); });
`;

/** A running fast provider; `close` stops its server and its worker. */
export interface FastProvider {
  url: string;
  close(): Promise<void>;
}

/** Starts the fast provider in a worker thread; streams carry `tokens` content chunks. */
export async function startFastProvider(tokens: number): Promise<FastProvider> {
  const worker = new Worker(source, { eval: true, workerData: { tokens } });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      const exited = new Promise((resolve) => worker.once("exit", resolve));
      worker.postMessage("close");
      await exited;
    },
  };
}

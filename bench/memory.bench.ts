// Agent memory: the resident set (RSS, from /proc) of a real agent process (`palisade agent`, as
// in the overhead benchmark: control plane with 20 policies, audit recording on) at idle, and
// while it relays 1,000 concurrent streamed completions from a slow provider that sends a chunk
// every 500 ms and holds each stream open until the bench has measured. Linux only (/proc).
import { readFile } from "node:fs/promises";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Pool } from "undici";
import type { Bench, Metric } from "./bench.js";
import { startPalisadePath } from "./overhead-stack.js";

const streams = 1_000;
const chunkEveryMs = 500;

async function rssMB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A provider whose streams send a chunk every `chunkEveryMs` until `endAll()`. */
async function startSlowProvider() {
  const open = new Set<ServerResponse>();
  const chunk = (content: string) =>
    `data: ${JSON.stringify({ id: "chatcmpl-slow", object: "chat.completion.chunk", created: 0, model: "gpt-4o-mini", choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (req.method === "GET") {
        res.writeHead(200, { "content-type": "application/json" });
        return res.end(JSON.stringify({ object: "list", data: [] }));
      }
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(chunk("first"));
      open.add(res);
      const timer = setInterval(() => res.write(chunk(" more")), chunkEveryMs);
      res.on("close", () => {
        clearInterval(timer);
        open.delete(res);
      });
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get open() {
      return open.size;
    },
    endAll() {
      for (const res of open) res.end("data: [DONE]\n\n");
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const bench: Bench = {
  description: `agent RSS (own process) at idle and with ${streams} concurrent slow streams`,
  async run(): Promise<Metric[]> {
    const provider = await startSlowProvider();
    const palisade = await startPalisadePath(provider.url);
    const origin = new URL(palisade.baseURL).origin;
    const path = `${new URL(palisade.baseURL).pathname}/chat/completions`;
    const client = new Pool(origin, { connections: streams, headersTimeout: 120_000, bodyTimeout: 120_000 });
    const headers = { authorization: `Bearer ${palisade.token}`, "content-type": "application/json" };
    const body = JSON.stringify({ model: "gpt-4o-mini", stream: true, messages: [{ role: "user", content: "Summarise the renewals, slowly." }] });
    try {
      // Warm up (modules, JIT, the connection pool), then let it settle.
      for (let i = 0; i < 20; i++) {
        const response = await client.request({ path, method: "POST", headers, body });
        setTimeout(() => provider.endAll(), 10);
        await response.body.text();
      }
      await sleep(3_000);
      const idle = await rssMB(palisade.agentPid);

      let started = 0;
      let failed = 0;
      const relayed = Array.from({ length: streams }, async () => {
        try {
          const response = await client.request({ path, method: "POST", headers, body });
          if (response.statusCode !== 200) failed++;
          let first = true;
          for await (const _ of response.body) {
            if (first) started++;
            first = false;
          }
        } catch {
          failed++;
        }
      });
      const deadline = Date.now() + 120_000;
      while (started + failed < streams && Date.now() < deadline) await sleep(100);
      // Every stream is open and flowing: sample for a few seconds, keep the peak.
      let peak = 0;
      for (let i = 0; i < 12; i++) {
        peak = Math.max(peak, await rssMB(palisade.agentPid));
        await sleep(250);
      }
      const openAtPeak = provider.open;
      provider.endAll();
      await Promise.all(relayed);
      await sleep(3_000);
      const after = await rssMB(palisade.agentPid);
      const note = `${started} streams relayed, ${failed} failed, ${openAtPeak} open upstream at the peak`;
      return [
        { name: "agent RSS idle", value: idle, unit: "MB", note: "after 20 warm-up streams" },
        { name: `agent RSS, ${streams} concurrent streams`, value: peak, unit: "MB", note },
        { name: "agent RSS per concurrent stream", value: (peak - idle) / streams, unit: "MB", note: `(peak − idle) / ${streams}` },
        { name: "agent RSS after the streams ended", value: after, unit: "MB", note: "3 s later" },
      ];
    } finally {
      await client.close();
      await palisade.close();
      await provider.close();
    }
  },
};

export default bench;

// forward() finishes an exchange's record (reads its queued pieces, encodes it) only once the
// answer's last write has left: node:http sends res.end()'s bytes in a later tick, and a stream
// that came in one read, its end with it, would otherwise wait for the whole record before its
// first byte went. The record itself is the one finishing at once would make.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Exchange, Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import type { CompiledConnection } from "../config/compile-snapshot.js";
import { openai } from "../providers/openai.js";
import { startExchangeRecorder } from "../record/exchange-recorder.js";
import { forward } from "./forward.js";

const chunk = (content: string) => `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
const sse = `${Array.from({ length: 40 }, (_, at) => chunk(` tok${at}`)).join("")}data: [DONE]\n\n`;

let upstream: Server;
let agent: Server;
let agentUrl: string;
const dispatcher = new Agent();
const seen: { exchange: Exchange; answerLeft: boolean }[] = [];

beforeAll(async () => {
  // The whole stream in one write, its end with it: the agent reads it in one go.
  upstream = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(sse);
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  const origin = new URL(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
  const connection: CompiledConnection = { name: "c", provider: openai, upstream: origin, basePath: "", credential: { header: "authorization", value: "Bearer k" }, credentialNeedles: [], allowedGroups: new Set() };
  agent = createServer((req: IncomingMessage, res: ServerResponse) => {
    const recorder = startExchangeRecorder({
      id: String(seen.length),
      method: "POST",
      path: "/chat/completions",
      // writableFinished: every byte of the answer handed to the operating system.
      slot: { commit: (exchange) => void seen.push({ exchange, answerLeft: res.writableFinished }), release: () => {} },
      recordLimit: 1 << 20,
    });
    recorder.protection({ record: "raw", masks: [] });
    req.resume();
    req.on("end", () => void forward({ dispatcher, headersTimeoutMs: 5_000, idleTimeoutMs: 5_000 }, req, res, connection, { connection: "c", rest: "/chat/completions", search: "" }, { bytes: Buffer.from("{}") }, recorder));
  });
  await new Promise<void>((resolve) => agent.listen(0, "127.0.0.1", resolve));
  agentUrl = `http://127.0.0.1:${(agent.address() as AddressInfo).port}/chat/completions`;
});

afterAll(async () => {
  await dispatcher.close();
  for (const server of [agent, upstream]) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe("forward", () => {
  it("finishes the record of a stream that came in one read after the answer has left, with all of it", async () => {
    for (let run = 0; run < 3; run++) {
      const answer = await request(agentUrl, { method: "POST", body: "{}" });
      expect(await answer.body.text()).toBe(sse);
    }
    await expect.poll(() => seen.length).toBe(3);
    for (const { exchange, answerLeft } of seen) {
      expect(answerLeft).toBe(true);
      expect(exchange.status).toBe(200);
      expect(exchange.verdict).toBe(Verdict.ALLOWED);
      expect(exchange.responseBody).toBe(Array.from({ length: 40 }, (_, at) => ` tok${at}`).join(""));
      expect(exchange.responseChunks.map((write) => write.data).join("")).toBe(sse);
    }
  });
});

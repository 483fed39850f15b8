// A local stand-in for LLM providers, for tests: a real HTTP server on port 0 speaking just enough
// of the OpenAI and Anthropic APIs for their SDKs, and recording every request it receives. Like a
// lenient real upstream it reads request bodies whatever their content-encoding (gzip, deflate —
// raw too —, br, zstd) and declared charset, so a test sees what such an upstream would have read.
//
//   const provider = await startStandInProvider();            // { url, requests, ... }
//   // point a connection's upstream at provider.url, then drive a client through the agent
//   provider.requests[0].headers.authorization                // what the upstream saw
//   await provider.close();
//
// Routes (any other path answers 404 in the OpenAI error shape):
//   POST /v1/chat/completions  plain, or SSE with `stream: true` (final usage chunk when
//                              `stream_options.include_usage`), then `data: [DONE]`
//   POST /v1/responses         plain, or SSE Responses events ending in `response.completed`
//   POST /v1/messages          Anthropic Messages, plain or SSE (message_start … message_stop)
//   GET  /v1/models            a one-model list
//
// Replies are deterministic: the text is `standInReply(prompt)` where prompt is the last user text;
// streams send it word by word (`standInChunks`). Usage: prompt tokens = words in the prompt,
// completion tokens = number of chunks.
//
// Pace: `chunkDelayMs` (option) waits between streamed chunks. `pauseStreams()` makes streams send
// their first content chunk and then wait until `resumeStreams()`: a test can read that chunk
// through the agent while the stream is provably still open.
// Per-request behaviour, by request header (the agent forwards them):
//   x-stand-in-status: 500     answer with that status and an OpenAI-shaped error
//   x-stand-in-delay-ms: 2000  wait that long before sending the response headers
//   x-stand-in-chunk-delay-ms: 100  wait that long between streamed chunks (this request only)
//   x-stand-in-chunks: char    stream the reply one character per delta (masking tests: a value split
//                              across many chunks); `x-stand-in-reply: TEXT` replies TEXT (URI-encoded)
//                              instead of echoing the prompt
//   x-stand-in-gzip: 1         send JSON answers gzip-encoded (content-encoding: gzip), unasked
//   x-stand-in-script: ID      answer with the reply registered by `script()` under ID, byte for byte
//                              (evasion tests: crafted bodies, lying content types, encodings), its
//                              chunks written one at a time
//   x-stand-in-fault: F        misbehave (fault-survival tests): `hang` never answers; `reset` cuts
//                              the connection before answering; `reset-mid-stream` sends a stream's
//                              first content chunk, then cuts the connection; `broken-sse` sends the
//                              first content chunk, then a truncated JSON event and bytes that are
//                              no event at all, and ends without the final events or [DONE];
//                              `stall-mid-stream` sends a stream's first content chunk, then nothing
//                              more (the connection stays open); `stall-mid-body` sends a JSON
//                              answer's headers and first half, then nothing more;
//                              `stall-after-headers` sends a JSON answer's headers only
//   x-stand-in-usage: omit     report no usage at all (a provider or route that sends none): chat
//                              replies and streams without `usage` (not even when asked for),
//                              Responses with `usage: null`, Anthropic messages without `usage`
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { brotliDecompressSync, gunzipSync, gzipSync, inflateRawSync, inflateSync, zstdDecompressSync } from "node:zlib";

/** One request as the stand-in received it. */
export interface ReceivedRequest {
  method: string;
  /** Path with query string. */
  path: string;
  /** Header names lower case, as Node parsed them. */
  headers: IncomingHttpHeaders;
  /** The body as a lenient upstream reads it: content-encoding undone, its declared charset decoded (lossy). */
  body: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
  /** The bytes exactly as they arrived. */
  raw: Buffer;
}

/** A running stand-in provider. */
export interface StandInProvider {
  /** Base URL, e.g. `http://127.0.0.1:40123` (routes start with /v1). */
  url: string;
  /** Every request received, in order. */
  requests: ReceivedRequest[];
  /** Streams started from now on pause after their first content chunk until `resumeStreams()`. */
  pauseStreams(): void;
  /** Lets paused (and future) streams continue. */
  resumeStreams(): void;
  /** Registers a reply sent as it is to requests carrying `x-stand-in-script: <the returned id>`. */
  script(reply: ScriptedReply): string;
  close(): Promise<void>;
}

/** A reply the stand-in sends exactly as given: status, headers, then each chunk written in turn. */
export interface ScriptedReply {
  status?: number;
  headers?: Record<string, string>;
  chunks: (string | Uint8Array)[];
  /** While streams are paused (pauseStreams), the chunks from this index on wait for resumeStreams(). */
  pauseBefore?: number;
}

export interface StandInOptions {
  /** Delay between streamed chunks, default 0. */
  chunkDelayMs?: number;
}

/** The reply text the stand-in gives to a prompt. */
export function standInReply(prompt: string): string {
  return `Stand-in says: ${prompt}`;
}

/** The pieces a streamed reply is sent in (words, each but the first with its leading space). */
export function standInChunks(prompt: string): string[] {
  return standInReply(prompt).split(/(?= )/);
}

type Json = Record<string, unknown>;
type Part = { type?: string; text?: string };
type Item = { role?: string; content?: string | Part[] };

/** The text of the last user message (chat, Anthropic) or the Responses `input`. */
function promptOf(body: Json): string {
  const items: Item[] = typeof body.input === "string" ? [{ role: "user", content: body.input }] : ((body.input ?? body.messages ?? []) as Item[]);
  const last = [...items].reverse().find((item) => item.role === "user");
  if (!last) return "";
  if (typeof last.content === "string") return last.content;
  return (last.content ?? []).map((part) => part.text ?? "").join("");
}

/** The reply text and its streamed pieces for one request (per-request headers may change both). */
function replyFor(req: IncomingMessage, prompt: string): { text: string; chunks: string[] } {
  const scripted = req.headers["x-stand-in-reply"];
  const text = typeof scripted === "string" ? decodeURIComponent(scripted) : standInReply(prompt);
  return { text, chunks: req.headers["x-stand-in-chunks"] === "char" ? [...text] : text.split(/(?= )/) };
}

const omitsUsage = (res: ServerResponse) => res.req.headers["x-stand-in-usage"] === "omit";
const words = (text: string) => Math.max(1, text.split(/\s+/).filter(Boolean).length);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the stand-in on 127.0.0.1, port 0. */
export async function startStandInProvider(options: StandInOptions = {}): Promise<StandInProvider> {
  const requests: ReceivedRequest[] = [];
  const scripts = new Map<string, ScriptedReply>();
  let gate: { promise: Promise<void>; open: () => void } | undefined;

  const sendEvents = async (res: ServerResponse, events: (string | [string, Json])[], firstContent: number) => {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const waitFor = gate?.promise;
    const fault = res.req.headers["x-stand-in-fault"];
    const chunkDelayMs = Number(res.req.headers["x-stand-in-chunk-delay-ms"] ?? options.chunkDelayMs ?? 0);
    for (const [index, event] of events.entries()) {
      if (index > firstContent && waitFor) await waitFor;
      if (index > firstContent && fault === "reset-mid-stream") {
        await new Promise((resolve) => res.write("", resolve)); // what was written reaches the caller first
        return void res.socket?.destroy();
      }
      if (index > firstContent && fault === "stall-mid-stream") return; // open, silent, until the caller gives up
      if (index > firstContent && fault === "broken-sse") {
        return void res.end('data: {"choices":[{"delta":{"content":"trunc\n\n\u0000not an event: \xff{{{');
      }
      if (index > 0 && chunkDelayMs) await sleep(chunkDelayMs);
      if (res.destroyed) return;
      res.write(typeof event === "string" ? `data: ${event}\n\n` : `event: ${event[0]}\ndata: ${JSON.stringify(event[1])}\n\n`);
    }
    res.end();
  };

  const chat = (body: Json, res: ServerResponse) => {
    const prompt = promptOf(body);
    const { text, chunks } = replyFor(res.req, prompt);
    const usage = omitsUsage(res) ? undefined : { prompt_tokens: words(prompt), completion_tokens: chunks.length, total_tokens: words(prompt) + chunks.length };
    const base = { id: "chatcmpl-standin", created: Math.floor(Date.now() / 1000), model: body.model, system_fingerprint: null };
    if (body.stream !== true) {
      const message = { role: "assistant", content: text, refusal: null };
      return json(res, 200, { ...base, object: "chat.completion", choices: [{ index: 0, message, logprobs: null, finish_reason: "stop" }], usage });
    }
    const chunk = (delta: Json, finish: string | null) =>
      JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
    const events = [chunk({ role: "assistant", content: "" }, null), ...chunks.map((content) => chunk({ content }, null)), chunk({}, "stop")];
    if ((body.stream_options as Json | undefined)?.include_usage === true && usage) {
      events.push(JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [], usage }));
    }
    return sendEvents(res, [...events, "[DONE]"], 1);
  };

  const responses = (body: Json, res: ServerResponse) => {
    const prompt = promptOf(body);
    const { text, chunks } = replyFor(res.req, prompt);
    const usage = {
      input_tokens: words(prompt), input_tokens_details: { cached_tokens: 0 },
      output_tokens: chunks.length, output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: words(prompt) + chunks.length,
    };
    const item = (status: string, content: Json[]) => ({ id: "msg_standin", type: "message", status, role: "assistant", content });
    const part = (partText: string) => ({ type: "output_text", text: partText, annotations: [], logprobs: [] });
    const response = (status: string, output: Json[], withUsage: boolean) => ({
      id: "resp_standin", object: "response", created_at: Math.floor(Date.now() / 1000), status, model: body.model,
      output, usage: withUsage && !omitsUsage(res) ? usage : null, error: null, incomplete_details: null, instructions: body.instructions ?? null,
      metadata: {}, parallel_tool_calls: true, temperature: 1, top_p: 1, tool_choice: "auto", tools: [], text: { format: { type: "text" } },
    });
    const done = item("completed", [part(text)]);
    if (body.stream !== true) return json(res, 200, response("completed", [done], true));
    let sequence = 0;
    const event = (type: string, fields: Json): [string, Json] => [type, { type, sequence_number: sequence++, ...fields }];
    const at = { item_id: "msg_standin", output_index: 0, content_index: 0 };
    return sendEvents(res, [
      event("response.created", { response: response("in_progress", [], false) }),
      event("response.in_progress", { response: response("in_progress", [], false) }),
      event("response.output_item.added", { output_index: 0, item: item("in_progress", []) }),
      event("response.content_part.added", { ...at, part: part("") }),
      ...chunks.map((delta) => event("response.output_text.delta", { ...at, delta, logprobs: [] })),
      event("response.output_text.done", { ...at, text, logprobs: [] }),
      event("response.content_part.done", { ...at, part: part(text) }),
      event("response.output_item.done", { output_index: 0, item: done }),
      event("response.completed", { response: response("completed", [done], true) }),
    ], 4);
  };

  const messages = (body: Json, res: ServerResponse) => {
    const prompt = promptOf(body);
    const { text: reply, chunks } = replyFor(res.req, prompt);
    const message = { id: "msg_standin", type: "message", role: "assistant", model: body.model, stop_sequence: null };
    const omit = omitsUsage(res);
    if (body.stream !== true) {
      const usage = omit ? undefined : { input_tokens: words(prompt), output_tokens: chunks.length };
      return json(res, 200, { ...message, content: [{ type: "text", text: reply }], stop_reason: "end_turn", usage });
    }
    const event = (type: string, fields: Json): [string, Json] => [type, { type, ...fields }];
    return sendEvents(res, [
      event("message_start", { message: { ...message, content: [], stop_reason: null, ...(omit ? {} : { usage: { input_tokens: words(prompt), output_tokens: 1 } }) } }),
      event("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
      ...chunks.map((text) => event("content_block_delta", { index: 0, delta: { type: "text_delta", text } })),
      event("content_block_stop", { index: 0 }),
      event("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, ...(omit ? {} : { usage: { output_tokens: chunks.length } }) }),
      event("message_stop", {}),
    ], 2);
  };

  const route = async (req: IncomingMessage, res: ServerResponse, received: ReceivedRequest) => {
    if (req.headers["x-stand-in-fault"] === "hang") return; // the socket stays open until the caller gives up
    if (req.headers["x-stand-in-fault"] === "reset") return void req.socket.destroy();
    const scripted = scripts.get(String(req.headers["x-stand-in-script"] ?? ""));
    if (scripted) return sendScripted(res, scripted, gate?.promise);
    const delay = Number(req.headers["x-stand-in-delay-ms"] ?? 0);
    if (delay > 0) await sleep(delay);
    const status = Number(req.headers["x-stand-in-status"] ?? 0);
    if (status >= 400) return json(res, status, { error: { message: `stand-in was told to fail with ${status}`, type: "server_error", param: null, code: null } });
    const body = (received.json ?? {}) as Json;
    const path = received.path.split("?")[0];
    if (req.method === "POST" && path === "/v1/chat/completions") return chat(body, res);
    if (req.method === "POST" && path === "/v1/responses") return responses(body, res);
    if (req.method === "POST" && path === "/v1/messages") return messages(body, res);
    if (req.method === "GET" && path === "/v1/models") return json(res, 200, { object: "list", data: [{ id: "stand-in-1", object: "model", created: 0, owned_by: "stand-in" }] });
    return json(res, 404, { error: { message: `stand-in has no route ${req.method} ${path}`, type: "invalid_request_error", param: null, code: "not_found" } });
  };

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const body = lenientText(raw, req.headers);
    let parsed: unknown;
    try {
      parsed = body ? JSON.parse(body) : undefined;
    } catch {
      parsed = undefined;
    }
    const received = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body, json: parsed, raw };
    requests.push(received);
    await route(req, res, received);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    pauseStreams() {
      if (gate) return;
      let open = () => {};
      const promise = new Promise<void>((resolve) => (open = resolve));
      gate = { promise, open };
    },
    resumeStreams() {
      gate?.open();
      gate = undefined;
    },
    script(reply) {
      const id = String(scripts.size + 1);
      scripts.set(id, reply);
      return id;
    },
    close() {
      gate?.open();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function sendScripted(res: ServerResponse, reply: ScriptedReply, paused: Promise<void> | undefined): Promise<void> {
  res.writeHead(reply.status ?? 200, reply.headers ?? {});
  for (const [index, chunk] of reply.chunks.entries()) {
    if (index === reply.pauseBefore && paused) await paused;
    if (res.destroyed) return;
    await new Promise((resolve) => res.write(chunk, resolve));
  }
  res.end();
}

// Like a lenient real upstream: undoes any content-encoding it knows (raw deflate too) and decodes
// the declared charset, replacing what does not decode instead of refusing it.
function lenientText(raw: Buffer, headers: IncomingHttpHeaders): string {
  let bytes = raw;
  const codings = String(headers["content-encoding"] ?? "").split(",").map((coding) => coding.trim().toLowerCase()).filter(Boolean).reverse();
  for (const coding of codings) {
    try {
      if (coding === "gzip" || coding === "x-gzip") bytes = gunzipSync(bytes);
      else if (coding === "deflate") bytes = bytes[0] === 0x78 ? inflateSync(bytes) : inflateRawSync(bytes);
      else if (coding === "br") bytes = brotliDecompressSync(bytes);
      else if (coding === "zstd") bytes = zstdDecompressSync(bytes);
    } catch {
      break;
    }
  }
  const charset = /charset="?([^";\s]+)/i.exec(String(headers["content-type"] ?? ""))?.[1];
  try {
    return new TextDecoder(charset ?? "utf-8").decode(bytes);
  } catch {
    return bytes.toString("utf8");
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const plain = Buffer.from(JSON.stringify(body));
  const gzip = res.req.headers["x-stand-in-gzip"] === "1";
  const bytes = gzip ? gzipSync(plain) : plain;
  res.writeHead(status, { "content-type": "application/json", "content-length": String(bytes.length), ...(gzip ? { "content-encoding": "gzip" } : {}) });
  const fault = res.req.headers["x-stand-in-fault"];
  if (fault === "stall-after-headers") return void res.flushHeaders(); // open, silent, until the caller gives up
  if (fault === "stall-mid-body") return void res.write(bytes.subarray(0, bytes.length >> 1));
  res.end(bytes);
}

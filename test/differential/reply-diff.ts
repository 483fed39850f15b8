// Differential harness, reply side: the same upstream replies (SSE streams cut at many places,
// whole JSON, NDJSON) through both builds' SSE parser, reply masker, usage filter and exchange
// recorder, then the exchange buffer's encoding; prints every difference (bytes to the caller,
// the Exchange's bytes, its decoded content).
import * as pb from "@bufbuild/protobuf";
import fc from "fast-check";
import { type Build, load, NEW, REF } from "./builds.js";

const ref = await load(REF, "ref");
const cur = await load(NEW, "new");

const rulesOf = (b: Build, direction: string, style: string, restore: boolean) => [
  { policy: "mask", detectors: b.compileDetectors({ builtins: ["email", "phone", "payment-card", "us-ssn", "secrets"], patterns: [], words: ["nightingale"] }), direction, style, restore },
];

interface Reply {
  label: string;
  provider: "openai" | "anthropic" | "generic";
  path: string;
  contentType: string;
  /** The upstream's body in the pieces it arrives in. */
  chunks: Buffer[];
  mode: "masked" | "raw" | "none";
  masking: "none" | "redact" | "pseudonymize";
  usageFilter: boolean;
  /** Yield to the event loop between pieces (the recorder then reads queued pieces in between). */
  yieldEvery: number;
  recordLimit: number;
}

// biome-ignore lint/suspicious/noExplicitAny: either build
type Any = any;

async function runOne(b: Build, r: Reply) {
  const provider = b.providers[r.provider];
  let clock = 1_000_000;
  const buffer = b.createExchangeBuffer(10);
  const slot = buffer.reserve();
  const recorder = b.startExchangeRecorder({ id: "ex-1", method: "POST", path: r.path, slot, recordLimit: r.recordLimit, now: () => clock });
  recorder.connection(r.provider);
  recorder.identity({ subject: "s", email: "jane.doe@example.com", groups: ["g"], issuer: "i", claims: {} });
  recorder.request(Buffer.from('{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi jane.doe@example.com"}]}'), { model: "gpt-4o", stream: true });
  const rules = r.masking === "none" ? [] : rulesOf(b, "both", r.masking === "redact" ? "redact" : "pseudonymize", r.masking === "pseudonymize");
  const session: Any = rules.length > 0 ? b.createMaskSession(r.provider, r.path, rules) : undefined;
  if (session && r.masking === "pseudonymize") session.prompt.mask("write to jane.doe@example.com or 415-555-0133", "messages.0.content");
  recorder.protection({ record: r.mode, masks: rules, session });
  const client: Buffer[] = [];
  let error: string | undefined;
  const streamed = r.contentType.startsWith("text/event-stream");
  const filter = r.usageFilter && streamed ? b.createUsageChunkFilter() : undefined;
  try {
    if (session?.inspectsReplies && streamed) {
      recorder.responseStart(provider, r.contentType);
      const stream = session.responseStream();
      let index = 0;
      for (const chunk of r.chunks) {
        clock += 3;
        const out = stream.push(chunk);
        const sent = filter ? filter.push(out.client) : out.client;
        if (sent.length > 0) recorder.firstByte();
        client.push(Buffer.from(sent));
        recorder.responseChunk(out.client, out.record, out.parsed);
        if (r.yieldEvery > 0 && ++index % r.yieldEvery === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      clock += 1;
      const out = stream.end();
      const sent = filter ? filter.push(out.client) : out.client;
      client.push(Buffer.from(sent));
      if (filter) client.push(Buffer.from(filter.end()));
      recorder.responseChunk(out.client, out.record, out.parsed);
    } else if (session?.inspectsReplies) {
      const body = Buffer.concat(r.chunks);
      const out = session.maskResponse(body, r.contentType);
      recorder.responseStart(provider, r.contentType);
      recorder.firstByte();
      client.push(Buffer.from(out.client));
      recorder.responseBody(out.client, out.record, out.parsed);
    } else {
      recorder.responseStart(provider, r.contentType);
      let index = 0;
      for (const chunk of r.chunks) {
        clock += 3;
        const sent = filter ? filter.push(chunk) : chunk;
        recorder.firstByte();
        client.push(Buffer.from(sent));
        recorder.responseChunk(chunk);
        if (r.yieldEvery > 0 && ++index % r.yieldEvery === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      if (filter) client.push(Buffer.from(filter.end()));
    }
  } catch (e) {
    error = `${(e as Error).name}: ${(e as Error).message}`;
  }
  clock += 5;
  recorder.finish({ status: error ? 502 : 200, verdict: error ? 3 : 1 });
  const taken = buffer.takeUnsent(10);
  const bytes = taken[0]?.bytes as Uint8Array | undefined;
  let decoded: unknown;
  let encodeError: string | undefined;
  if (bytes) {
    decoded = pb.toJson(cur.gen.ExchangeSchema, pb.fromBinary(cur.gen.ExchangeSchema, bytes));
  } else encodeError = "no record";
  return { client: Buffer.concat(client).toString("latin1"), error, bytes: bytes ? Buffer.from(bytes).toString("hex") : undefined, decoded, encodeError };
}

// The SSE parser alone: events from the same bytes cut the same way.
function parse(b: Build, chunks: Buffer[]) {
  const events: unknown[] = [];
  const parser = b.createSseParser((event: Any) => events.push({ event: event.event, data: event.data, id: event.id }));
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return JSON.stringify(events);
}

let tried = 0;
let differences = 0;
const classes = new Map<string, number>();
export async function check(r: Reply): Promise<void> {
  tried++;
  const cls = r.label.split(":")[0]!;
  classes.set(cls, (classes.get(cls) ?? 0) + 1);
  if (r.contentType.startsWith("text/event-stream")) {
    const a = parse(ref, r.chunks);
    const c = parse(cur, r.chunks);
    if (a !== c) {
      differences++;
      if (differences <= 20) console.log(`DIFF sse-parser [${r.label}] ${JSON.stringify(r.chunks.map((x) => x.toString("latin1"))).slice(0, 600)}\n  ${a.slice(0, 400)}\n  ${c.slice(0, 400)}`);
    }
  }
  const a = await runOne(ref, r);
  const c = await runOne(cur, r);
  if (process.env.SHOW && tried <= Number(process.env.SHOW)) console.log(JSON.stringify({ label: r.label, mode: r.mode, masking: r.masking, c }).slice(0, 1500));
  const keys = (["client", "error", "decoded", "encodeError", "bytes"] as const).filter((key) => JSON.stringify(a[key]) !== JSON.stringify(c[key]));
  if (keys.length === 0) return;
  differences++;
  if (differences <= 20) {
    console.log(`DIFF [${r.label}] mode=${r.mode} masking=${r.masking} filter=${r.usageFilter} yield=${r.yieldEvery} limit=${r.recordLimit} chunks=${JSON.stringify(r.chunks.map((x) => x.toString("latin1"))).slice(0, 700)}`);
    for (const key of keys) {
      if (key === "decoded") {
        const x = a.decoded as Record<string, unknown>;
        const y = c.decoded as Record<string, unknown>;
        for (const field of new Set([...Object.keys(x ?? {}), ...Object.keys(y ?? {})])) {
          if (JSON.stringify(x?.[field]) !== JSON.stringify(y?.[field])) console.log(`  decoded.${field}: ${JSON.stringify(x?.[field])?.slice(0, 500)}\n   vs ${JSON.stringify(y?.[field])?.slice(0, 500)}`);
        }
      } else if (key !== "bytes" || !keys.includes("decoded")) console.log(`  ${key}: ${JSON.stringify(a[key])?.slice(0, 300)}\n   vs ${JSON.stringify(c[key])?.slice(0, 300)}`);
    }
  }
}

// ---- inputs ----
const EMAIL = "jane.doe@example.com";
const KEY = "sk-proj-Ab3dEfGhIjKlMnOpQrStUvWxYz0123456789";
const deltaTexts = [" tok", "Hello", EMAIL, "jane", ".doe", "@exa", "mple.com", "415-", "555-", "0133", "4111 1111", " 1111 1111", "é", "😀", "\ud83d", "\ude00", "\u2028", "\"", "\\", "\n", "\r\n", "\u0000", "\u001f", KEY, "sk-proj-", "Ab3dEfGhIjKl", "night", "ingale", "<PERSON_1>", "[EMAIL_1]", "ｊａｎｅ", "", " ", "data: x", "\n\ndata: {}", ...(process.env.NO_COLON ? [] : [":"]), "event: x"];
const delta = fc.array(fc.constantFrom(...deltaTexts), { minLength: 0, maxLength: 4 }).map((p) => p.join(""));
const obfuscation = fc.oneof(fc.constant(undefined), fc.string({ maxLength: 12 }), fc.constantFrom(EMAIL, KEY, "4111111111111111", "\\u0040", "a\"b", "😀"), fc.constant(5 as unknown as string));

// An OpenAI chat stream: one event per chunk (with the obfuscation padding OpenAI adds), usage, [DONE].
const openaiChat = fc.tuple(fc.array(fc.tuple(delta, obfuscation, fc.boolean()), { minLength: 1, maxLength: 10 }), fc.boolean(), fc.boolean(), fc.constantFrom("\n", "\r\n", "\r")).map(([deltas, usage, crlfWeird, eol]) => {
  const base = { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "gpt-4o" };
  let text = "";
  for (const [content, obf, reordered] of deltas) {
    const chunk: Record<string, unknown> = reordered
      ? { choices: [{ index: 0, delta: { content }, finish_reason: null }], ...base }
      : { ...base, choices: [{ index: 0, delta: { content }, logprobs: null, finish_reason: null }] };
    if (obf !== undefined) chunk.obfuscation = obf;
    text += `data: ${JSON.stringify(chunk)}${eol}${eol}`;
  }
  if (crlfWeird) text += `: keep-alive${eol}${eol}event: message${eol}id: 7${eol}data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: "x" }, finish_reason: null }] })}${eol}${eol}`;
  text += `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] })}${eol}${eol}`;
  if (usage) text += `data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } })}${eol}${eol}`;
  return `${text}data: [DONE]${eol}${eol}`;
});
// The Responses API's events.
const openaiResponses = fc.array(fc.tuple(delta, obfuscation), { minLength: 1, maxLength: 8 }).map((deltas) => {
  let text = "";
  let seq = 0;
  for (const [d, obf] of deltas) {
    const event: Record<string, unknown> = { type: "response.output_text.delta", sequence_number: seq++, item_id: "msg_1", output_index: 0, content_index: 0, delta: d };
    if (obf !== undefined) event.obfuscation = obf;
    text += `event: response.output_text.delta\ndata: ${JSON.stringify(event)}\n\n`;
  }
  text += `event: response.completed\ndata: ${JSON.stringify({ type: "response.completed", response: { usage: { input_tokens: 3, output_tokens: 4, total_tokens: 7 } } })}\n\n`;
  return text;
});
const anthropicStream = fc.array(delta, { minLength: 1, maxLength: 8 }).map((deltas) => {
  let text = `event: message_start\ndata: ${JSON.stringify({ type: "message_start", message: { id: "m", type: "message", role: "assistant", content: [], model: "claude", usage: { input_tokens: 5, output_tokens: 1 } } })}\n\n`;
  text += `event: content_block_start\ndata: ${JSON.stringify({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } })}\n\n`;
  for (const d of deltas) text += `event: content_block_delta\ndata: ${JSON.stringify({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: d } })}\n\n`;
  text += `event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\nevent: message_delta\ndata: ${JSON.stringify({ type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 9 } })}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n`;
  return text;
});
// Raw SSE lines: fields with and without colon and space, comments, multi-line data, BOM, ids with NUL.
const sseLine = fc.constantFrom("data: a", "data:b", "data", "data:", "data:  c", "dat: x", "datax: y", "event: e", "event", "id: 1", "id: 2\u0000", "id", ": comment", ":", "retry: 10", "", "", "DATA: z", "data : w", "eventx: q", "i: r", "d", "e", `data: {"choices":[{"delta":{"content":"${EMAIL}"}}]}`, "data: [DONE]", "\ufeffdata: bom");
const rawSse = fc.tuple(fc.boolean(), fc.array(fc.tuple(sseLine, fc.constantFrom("\n", "\r\n", "\r")), { maxLength: 16 })).map(([bom, lines]) => (bom ? "\ufeff" : "") + lines.map(([l, e]) => l + e).join(""));

function cuts(text: string, how: number, seed: number, encoding: BufferEncoding = "utf8"): Buffer[] {
  const bytes = Buffer.from(text, encoding);
  if (how === 0) return [bytes];
  if (how === 1) return [...bytes].map((byte) => Buffer.from([byte]));
  // Random cuts.
  let s = seed;
  const out: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const n = 1 + (s % (how === 2 ? 7 : 64));
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

const seed = Number(process.env.SEED ?? 1);
const runs = Number(process.env.RUNS ?? 200);
const settings = fc.record({
  mode: fc.constantFrom<Reply["mode"]>("masked", "masked", "raw", "none"),
  masking: fc.constantFrom<Reply["masking"]>("redact", "redact", "pseudonymize", "none"),
  usageFilter: fc.boolean(),
  yieldEvery: fc.constantFrom(0, 0, 1, 3),
  recordLimit: fc.constantFrom(1 << 20, 1 << 20, 200, 37),
  how: fc.constantFrom(0, 1, 2, 2, 3, 3),
  cutSeed: fc.integer({ min: 1, max: 1 << 30 }),
});
// Bytes: SSE pieces with invalid UTF-8, NULs, lone CRs, BOMs in the middle, split 4-byte characters.
const bytePieces = ["data: ", "event: x", "id: 1", ":c", "\n", "\r", "\r\n", "\n\n", "\u0000", "\ufeff", "😀", "é", "{\"choices\":[{\"delta\":{\"content\":\"jane.doe@example.com\"}}]}", "[DONE]", "\\u0040"].map((t) => Buffer.from(t));
const badBytes = [Buffer.from([0xff]), Buffer.from([0xc3]), Buffer.from([0xf0, 0x9f]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0x80])];
const byteSse = fc.array(fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...bytePieces) }, { weight: 1, arbitrary: fc.constantFrom(...badBytes) }), { maxLength: 24 }).map((list) => Buffer.concat(list).toString("latin1"));
const kinds = [
  ["openai-chat", "openai", "/v1/chat/completions", openaiChat],
  ["openai-responses", "openai", "/v1/responses", openaiResponses],
  ["anthropic", "anthropic", "/v1/messages", anthropicStream],
  ["raw-sse", "openai", "/v1/chat/completions", rawSse],
  ["byte-sse", "openai", "/v1/chat/completions", byteSse],
] as const;
for (const [label, provider, path, arb] of kinds) {
  const samples = fc.sample(fc.tuple(arb, settings), { numRuns: runs, seed });
  for (const [text, s] of samples) {
    await check({ label: `${label}:${s.how}`, provider, path, contentType: "text/event-stream; charset=utf-8", chunks: cuts(text, s.how, s.cutSeed, label === "byte-sse" ? "latin1" : "utf8"), mode: s.mode, masking: s.masking, usageFilter: s.usageFilter, yieldEvery: s.yieldEvery, recordLimit: s.recordLimit });
  }
}
// Whole JSON replies and NDJSON.
const wholeJson = fc.tuple(delta, obfuscation).map(([content, obf]) => JSON.stringify({ id: "c", object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 }, ...(obf === undefined ? {} : { obfuscation: obf }) }));
for (const [text, s] of fc.sample(fc.tuple(wholeJson, settings), { numRuns: runs, seed })) {
  await check({ label: "whole-json", provider: "openai", path: "/v1/chat/completions", contentType: "application/json", chunks: cuts(text, s.how, s.cutSeed), mode: s.mode, masking: s.masking, usageFilter: false, yieldEvery: s.yieldEvery, recordLimit: s.recordLimit });
}
// Whole replies of every shape the masker reads, written as a lenient upstream may write them:
// duplicate keys, long numbers, lone surrogate escapes, a BOM, logprobs, extra members.
const rawPiece = fc.constantFrom('"content":"a"', '"content":"jane.doe@example.com"', '"x":1', '"x":2', '"n":12345678901234567890', '"n":4111111111111111', '"s":"\\ud800"', '"s":"\\u0040"', '"logprobs":{"content":[{"token":"jane","logprob":-1,"bytes":[106]},{"token":".doe@example.com","logprob":-1,"bytes":[46]}]}', '"logprobs":null', '"jane.doe@example.com":"k"', '"refusal":null', '"__proto__":{"a":"b"}');
const wholeShapes = fc.tuple(fc.array(rawPiece, { maxLength: 4 }), delta, fc.constantFrom("chat", "anthropic", "responses"), fc.boolean(), fc.constantFrom("", " ", "\n")).map(([extra, content, shape, bom, ws]) => {
  const extras = extra.map((piece) => `,${ws}${piece}`).join("");
  const c = JSON.stringify(content);
  const body = shape === "chat"
    ? `{"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":${c}${extras}},"finish_reason":"stop"${extras}}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}${extras}}`
    : shape === "anthropic"
      ? `{"id":"m","type":"message","role":"assistant","content":[{"type":"text","text":${c}${extras}}],"usage":{"input_tokens":1,"output_tokens":2}${extras}}`
      : `{"id":"r","object":"response","output":[{"type":"message","content":[{"type":"output_text","text":${c}${extras}}]}],"usage":{"input_tokens":1,"output_tokens":2,"total_tokens":3}${extras}}`;
  return `${bom ? "\ufeff" : ""}${body}`;
});
for (const [text, s] of fc.sample(fc.tuple(wholeShapes, settings), { numRuns: runs, seed })) {
  const provider = text.includes('"type":"message"') && !text.includes("output_text") ? "anthropic" : "openai";
  const path = provider === "anthropic" ? "/v1/messages" : text.includes("output_text") ? "/v1/responses" : "/v1/chat/completions";
  await check({ label: "whole-shapes", provider, path, contentType: "application/json", chunks: cuts(text, s.how, s.cutSeed), mode: s.mode, masking: s.masking, usageFilter: false, yieldEvery: s.yieldEvery, recordLimit: s.recordLimit });
}
const ndjson = fc.array(delta, { minLength: 1, maxLength: 6 }).map((ds) => ds.map((d) => JSON.stringify({ message: { content: d }, done: false })).join("\n") + "\n");
for (const [text, s] of fc.sample(fc.tuple(ndjson, settings), { numRuns: Math.ceil(runs / 2), seed })) {
  await check({ label: "ndjson", provider: "generic", path: "/api/chat", contentType: "application/x-ndjson", chunks: cuts(text, s.how, s.cutSeed), mode: s.mode, masking: s.masking, usageFilter: false, yieldEvery: s.yieldEvery, recordLimit: s.recordLimit });
}
console.log(`tried ${tried}, differences ${differences}; classes ${JSON.stringify(Object.fromEntries(classes))}`);

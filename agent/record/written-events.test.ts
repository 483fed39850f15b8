// The record's reader taking the masker's written events instead of its bytes (ParsedEvents'
// clientEvents/recordEvents, sse-parser.ts pushEvents) against the reading before it (the bytes
// split again, the listed values attached): masked chat streams with values split over deltas,
// text events, other lines, raw line breaks in JSON, CRLF, comments, usage, cut at any byte and
// masked by redaction or with placeholders restored — the same events reach the reader, the same
// text and usage come out; every events list given is exactly its side's bytes.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileDetectors } from "../../core/detectors/compile-detectors.js";
import type { MaskRule } from "../../core/detectors/mask-types.js";
import { createMaskContext } from "../masking/mask-context.js";
import { createResponseStream, type StreamOutput } from "../masking/response-stream.js";
import { openai } from "../providers/openai.js";
import { createParsedLookup, type ParsedEvents, type WrittenEvent } from "../sse/parsed-events.js";
import { createSseParser, type SseEvent } from "../sse/sse-parser.js";
import { readStream } from "./response-reading.js";

const detectors = compileDetectors({ builtins: ["email", "phone", "payment-card", "secrets"], patterns: [], words: [] });
const redact: MaskRule = { policy: "pii", detectors, direction: "both", style: "redact", restore: false };
const pseudonyms: MaskRule = { ...redact, style: "pseudonymize", restore: true };

const base = { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1733000000, model: "gpt-4o-mini", system_fingerprint: null };
const chunk = (choice: Record<string, unknown>, extra: Record<string, unknown> = {}) => `data: ${JSON.stringify({ ...base, ...extra, choices: [{ index: 0, logprobs: null, finish_reason: null, ...choice }] })}\n\n`;
const content = (text: string) => chunk({ delta: { content: text } });

/** The masker's outputs for `sse` cut every `size` bytes (the refusal's message when it refuses). */
function masked(rules: MaskRule[], sse: string, size: number): StreamOutput[] | string {
  const context = createMaskContext(rules);
  if (rules[0]?.restore) context.prompt.mask("write to jane.doe@example.com or 4111 1111 1111 1111", "request.messages[0].content");
  const stream = createResponseStream("openai", "/v1/chat/completions", context);
  const bytes = Buffer.from(sse);
  const outputs: StreamOutput[] = [];
  try {
    for (let at = 0; at < bytes.length; at += size) outputs.push(stream.push(bytes.subarray(at, at + size)));
    outputs.push(stream.end());
  } catch (error) {
    return (error as Error).message;
  }
  return outputs;
}

const written = (events: readonly WrittenEvent[]) => events.map((event) => `data: ${typeof event === "string" ? event : event.data}\n\n`).join("");

/** The events a reader gets from one side's outputs: with the written events taken (`taken`), or the bytes read as before. */
function readerEvents(outputs: StreamOutput[], side: "client" | "record", taken: boolean): { events: SseEvent[]; fast: number } {
  const events: SseEvent[] = [];
  const lookup = createParsedLookup();
  const parser = createSseParser((event) => events.push(lookup.attach(event)));
  let fast = 0;
  for (const out of outputs) {
    const bytes = out[side];
    const list = side === "client" ? out.parsed?.client : out.parsed?.record;
    const written = side === "client" ? out.parsed?.clientEvents : out.parsed?.recordEvents;
    if (taken && written && bytes.length > 0) {
      lookup.offer(undefined);
      if (parser.pushEvents(written)) {
        fast++;
        continue;
      }
    }
    lookup.offer(list);
    parser.push(bytes);
  }
  parser.end();
  return { events, fast };
}

/** The record's reading of one side's outputs, with or without the written events. */
function reading(outputs: StreamOutput[], side: "client" | "record", taken: boolean) {
  const read = readStream(openai, 1 << 20)!;
  for (const out of outputs) {
    const parsed = out.parsed as ParsedEvents | undefined;
    read.chunk(out[side], side === "client" ? parsed?.client : parsed?.record, taken ? (side === "client" ? parsed?.clientEvents : parsed?.recordEvents) : undefined);
  }
  return read.result(1 << 20);
}

/** Checks `sse` both ways; returns how many outputs were read from their written events. */
function same(rules: MaskRule[], sse: string, size: number): number {
  const outputs = masked(rules, sse, size);
  if (typeof outputs === "string") return 0;
  let fast = 0;
  for (const side of ["client", "record"] as const) {
    for (const out of outputs) {
      const events = side === "client" ? out.parsed?.clientEvents : out.parsed?.recordEvents;
      if (!events) continue;
      expect(written(events)).toBe(out[side].toString("utf8"));
      // Each listed value is the one the side lists for that event, in order.
      const listed = events.filter((event) => typeof event !== "string");
      expect(listed).toEqual(side === "client" ? out.parsed!.client : out.parsed!.record);
      for (const event of events) if (typeof event === "string") expect(event).not.toMatch(/[\r\n]/);
    }
    const before = readerEvents(outputs, side, false);
    const after = readerEvents(outputs, side, true);
    expect(after.events).toEqual(before.events);
    fast += after.fast;
    expect(reading(outputs, side, true)).toEqual(reading(outputs, side, false));
  }
  return fast;
}

const opening = chunk({ delta: { role: "assistant", content: "" } });
const closing = `${chunk({ delta: {}, finish_reason: "stop" })}${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 } }).replace(/^/, "data: ")}\n\ndata: [DONE]\n\n`;

describe("the record's reader takes the masker's written events", () => {
  it("reads the bench's stream from its written events, as it read the bytes", () => {
    let sse = opening;
    for (let index = 0; index < 258; index++) sse += content(` tok${index}`);
    sse += closing;
    for (const rules of [[redact], [pseudonyms]]) {
      // The relay's cut: 2 KB, then the rest (and once whole, once in small reads).
      const outputs = masked(rules, sse, 2048) as StreamOutput[];
      expect(outputs.every((out) => out.client.length === 0 || out.parsed?.clientEvents)).toBe(true);
      for (const size of [2048, 97]) expect(same(rules, sse, size)).toBeGreaterThan(0);
      expect(same(rules, sse, 100_000)).toBe(0); // one output, the stream's first: its bytes are read (a byte order mark would be dropped)
    }
  });

  it("reads placeholders restored for the caller and kept in the record, in the bench's stream", () => {
    let sse = opening;
    for (let index = 0; index < 120; index++) sse += content(index % 7 === 3 ? " <EMAIL_1>" : ` tok${index}`);
    sse += closing;
    const outputs = masked([pseudonyms], sse, 2048) as StreamOutput[];
    expect(outputs.some((out) => !out.client.equals(out.record) && out.parsed?.recordEvents)).toBe(true);
    for (const size of [2048, 97]) expect(same([pseudonyms], sse, size)).toBeGreaterThan(0);
  });

  it("property: any mix of events, cut anywhere, reaches the reader as before", () => {
    const fragment = fc.constantFrom("jane.doe@", "example.com", "4111 1111 ", "1111 1111", " ", "tok1", "hi", "<EMAIL_1>", "\\u0040", "sk-proj-", "abcdefghijklmnopqrstuvwxyz", "é", "\n", "\r", '"', "😀", "\u2028");
    const event = fc.oneof(
      { weight: 8, arbitrary: fragment.map(content) },
      { weight: 1, arbitrary: fragment.map((text) => chunk({ delta: { content: text }, finish_reason: "stop" })) },
      { weight: 1, arbitrary: fragment.map((text) => chunk({ delta: { content: text } }, { note: text })) },
      { weight: 1, arbitrary: fragment.map((text) => `data: ${text.replace(/[\r\n]/g, "")} plain text\n\n`) },
      { weight: 1, arbitrary: fragment.map((text) => `event: delta\nid: ${text.replace(/[\r\n]/g, "")}x\n${content(text)}`) },
      // JSON over two data lines (its data holds a line break), text over two.
      { weight: 1, arbitrary: fragment.map((text) => content(text).replace('{"id"', '{\ndata: "id"')) },
      { weight: 1, arbitrary: fragment.map((text) => `data: ${text.replace(/[\r\n]/g, "")} one\ndata: two\n\n`) },
      { weight: 1, arbitrary: fragment.map((text) => content(text).replace(/\n\n$/, "\r\n\r\n")) },
      { weight: 1, arbitrary: fc.constant(": ping\n\n") },
      { weight: 1, arbitrary: fc.constant("data: [DONE]\n\n") },
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 16 }), fc.integer({ min: 1, max: 300 }), fc.boolean(), (events, size, restore) => {
        same(restore ? [pseudonyms] : [redact], `${opening}${events.join("")}${closing}`, size);
      }),
      { numRuns: 50 },
    );
  });

  it("pushEvents reads nothing before the first bytes or while an event, a line or a character is pending, and as the bytes after a whole event", () => {
    const bytesOf = (text: string) => (text.endsWith("\xe2") ? Buffer.concat([Buffer.from(text.slice(0, -1)), Buffer.from([0xe2])]) : Buffer.from(text));
    const written: WrittenEvent[] = ["y", { data: '{"a":1}', value: { a: 1 } }];
    for (const pending of ["", "data: {\"a\":1}\n", "data: x", "event: e\n", "data: \xe2", ":", "\r", "data: x\r"]) {
      const parser = createSseParser(() => {});
      parser.push(bytesOf(pending));
      expect(parser.pushEvents(written), JSON.stringify(pending)).toBe(false);
    }
    for (const before of ["data: x\n\n", ": ping\n\n", "id: 7\n", "id: 7\ndata: x\n\n", "event: e\ndata: é\r\n\r\n", ":\n"]) {
      const bytes: SseEvent[] = [];
      const taken: SseEvent[] = [];
      const byBytes = createSseParser((event) => bytes.push(event));
      const byEvents = createSseParser((event) => taken.push(event));
      byBytes.push(Buffer.from(before));
      byEvents.push(Buffer.from(before));
      byBytes.push(Buffer.from('data: y\n\ndata: {"a":1}\n\n'));
      expect(byEvents.pushEvents(written), JSON.stringify(before)).toBe(true);
      // The bytes' events get no value here (nothing attached): compare them with it set as listed.
      if (bytes.length > 0) bytes.at(-1)!.json = { value: { a: 1 } };
      expect(taken).toEqual(bytes);
      // A byte order mark after the stream's start is no longer dropped (the first text went by).
      byBytes.push(Buffer.from("\ufeffdata: z\n\n"));
      byEvents.push(Buffer.from("\ufeffdata: z\n\n"));
      expect(taken).toEqual(bytes);
    }
  });
});

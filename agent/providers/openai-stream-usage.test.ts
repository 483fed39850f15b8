import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createSseSplitter } from "../masking/sse-splitter.js";
import { createUsageChunkFilter, openaiStreamUsage } from "./openai-stream-usage.js";

const sse = (data: unknown) => `data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;

describe("openaiStreamUsage", () => {
  it("asks for usage only on streamed completions that did not", () => {
    const rewrite = openaiStreamUsage("/v1/chat/completions", { model: "m", stream: true, stream_options: { foo: 1 } });
    expect(JSON.parse(rewrite!.body.toString())).toEqual({ model: "m", stream: true, stream_options: { foo: 1, include_usage: true } });
    expect(openaiStreamUsage("/v1/completions", { stream: true })).toBeDefined();
    expect(openaiStreamUsage("/v1/chat/completions", { stream: true, stream_options: { include_usage: false } })).toBeDefined();
    expect(openaiStreamUsage("/v1/chat/completions", { stream: true, stream_options: { include_usage: true } })).toBeUndefined();
    expect(openaiStreamUsage("/v1/chat/completions", { stream: false })).toBeUndefined();
    expect(openaiStreamUsage("/v1/responses", { stream: true })).toBeUndefined();
    expect(openaiStreamUsage("/v1/chat/completions", "not json")).toBeUndefined();
  });

  it("drops the usage-only chunk and nothing else, across chunk boundaries", () => {
    const chunk = { id: "c", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content: "hé" } }], usage: null };
    const usage = { id: "c", object: "chat.completion.chunk", choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } };
    const stream = Buffer.from(`: keep-alive\n\n${sse(chunk)}${sse(usage)}${sse("[DONE]")}`, "utf8");
    const filter = createUsageChunkFilter();
    const out: Buffer[] = [];
    // One byte at a time: events, lines and the UTF-8 "é" all split.
    for (let i = 0; i < stream.length; i++) out.push(filter.push(stream.subarray(i, i + 1)));
    out.push(filter.end());
    expect(Buffer.concat(out).toString("utf8")).toBe(`: keep-alive\n\n${sse(chunk)}${sse("[DONE]")}`);
  });

  it("recognises the usage-only chunk however its JSON is spaced, and keeps chunks with other empty arrays", () => {
    const spaced = `{"id":"c","choices": [ \t ],"usage": {"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}`;
    const toolCalls = { id: "c", choices: [{ index: 0, delta: { tool_calls: [] } }], usage: null };
    const filter = createUsageChunkFilter();
    const out = Buffer.concat([filter.push(Buffer.from(`${sse(spaced)}${sse(toolCalls)}`)), filter.end()]).toString("utf8");
    expect(out).toBe(sse(toolCalls));
  });

  it("passes the stream's first chunk through as it is when it is whole and clean, and drops a leading BOM as splitting does", () => {
    const first = Buffer.from(`${sse({ id: "c", choices: [{ index: 0, delta: { content: "hé" } }], usage: null })}${sse("[DONE]")}`, "utf8");
    const filter = createUsageChunkFilter();
    expect(filter.push(first)).toBe(first); // the same buffer: neither split nor re-encoded
    expect(filter.end().length).toBe(0);
    const withBom = createUsageChunkFilter();
    const out = Buffer.concat([withBom.push(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), first])), withBom.end()]);
    expect(out.equals(first)).toBe(true);
    // A BOM later in the stream is text, kept (only the stream's first bytes may lose one).
    const later = createUsageChunkFilter();
    const out2 = [later.push(first), later.push(Buffer.from("\uFEFFdata: x\r", "utf8")), later.push(Buffer.from("\n\n")), later.end()];
    expect(Buffer.concat(out2).toString("utf8")).toBe(`${first.toString("utf8")}\uFEFFdata: x\r\n\n`);
  });

  it("passes whole, clean chunks through unsplit with the same bytes as splitting every one", () => {
    // The reference: every chunk split into events, usage-only ones dropped, the rest re-encoded.
    const usageOnly = (data: string | undefined) => {
      try {
        const chunk = JSON.parse(data ?? "") as { choices?: unknown; usage?: unknown };
        return Array.isArray(chunk.choices) && chunk.choices.length === 0 && typeof chunk.usage === "object" && chunk.usage !== null && !Array.isArray(chunk.usage);
      } catch {
        return false;
      }
    };
    const reference = (chunks: Buffer[]) => {
      const splitter = createSseSplitter();
      const keep = (events: ReturnType<typeof splitter.push>) => events.filter((event) => !usageOnly(event.data)).map((event) => event.raw).join("");
      return Buffer.from(chunks.map((chunk) => keep(splitter.push(chunk))).join("") + keep(splitter.end()), "utf8");
    };
    const usage = { id: "c", choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } };
    const piece = fc.constantFrom(
      sse({ id: "c", choices: [{ index: 0, delta: { content: "hé 🙂" } }], usage: null }), sse(usage), sse({ id: "c", choices: [ ], usage: null }).replace("[]", "[ ]"),
      sse("[DONE]"), ": keep-alive\n\n", "event: x\r\ndata: {}\r\n\r\n", "\uFEFF", "data: a\r", "\n", "data: \u00e9\n\n",
    );
    const invalid = Buffer.from([0xff, 0x0a, 0x0a]);
    fc.assert(
      fc.property(fc.array(fc.oneof(piece.map((text) => Buffer.from(text, "utf8")), fc.constant(invalid)), { maxLength: 12 }), fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 6 }), (pieces, cuts) => {
        const whole = Buffer.concat(pieces);
        const chunks: Buffer[] = [];
        let from = 0;
        // Chunks along the pieces (on event boundaries, as the masker writes) and at arbitrary cuts.
        const bounds = [...new Set([...pieces.map((_, i) => Buffer.concat(pieces.slice(0, i + 1)).length), ...cuts.map((cut) => Math.min(cut, whole.length))])].sort((a, b) => a - b);
        for (const bound of bounds) {
          chunks.push(whole.subarray(from, bound));
          from = bound;
        }
        chunks.push(whole.subarray(from));
        const filter = createUsageChunkFilter();
        const out = Buffer.concat([...chunks.map((chunk) => filter.push(chunk)), filter.end()]);
        expect(out.equals(reference(chunks))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

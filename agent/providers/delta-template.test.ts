import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { SseEvent } from "../sse/sse-parser.js";
import { anthropic } from "./anthropic.js";
import { stringLiteral } from "./delta-template.js";
import { openai } from "./openai.js";
import type { ProviderSpec } from "./provider.js";

// The same events read twice: as the network gives them (the template reads most without parsing)
// and each with its JSON already parsed (what a masker shares: the template is never used).
function readBoth(provider: ProviderSpec, events: SseEvent[], maxChars = 1 << 20) {
  const fast = provider.streamReader(maxChars)!;
  const whole = provider.streamReader(maxChars)!;
  for (const event of events) {
    fast.event({ ...event });
    let value: unknown;
    try {
      value = JSON.parse(event.data);
    } catch {
      value = undefined;
    }
    whole.event({ ...event, json: { value } });
  }
  const result = (reader: typeof fast) => ({ text: reader.text(), truncated: reader.truncated(), usage: reader.usage() });
  return { fast: result(fast), whole: result(whole) };
}

const chunkBase = { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "gpt-4o-mini", system_fingerprint: null };
const chatChunk = (content: unknown, extra: object = {}) =>
  JSON.stringify({ ...chunkBase, choices: [{ index: 0, delta: { content }, logprobs: null, finish_reason: null }], ...extra });
const message = (data: string, event = "message"): SseEvent => ({ event, data });

afterEach(() => vi.restoreAllMocks());

describe("delta template", () => {
  it("reads a chat stream's deltas without parsing each event whole, with the same text and usage", () => {
    const events = [message(chatChunk("")), ...Array.from({ length: 100 }, (_, i) => message(chatChunk(` tok${i} "q" \\ é 😀`)))];
    events.push(message(JSON.stringify({ ...chunkBase, choices: [], usage: { prompt_tokens: 3, completion_tokens: 100, total_tokens: 103 } })));
    const parse = vi.spyOn(JSON, "parse");
    const reader = openai.streamReader(1 << 20)!;
    for (const event of events) reader.event(event);
    const parsedChars = parse.mock.calls.reduce((sum, [text]) => sum + String(text).length, 0);
    parse.mockRestore();
    expect(reader.text()).toBe(Array.from({ length: 100 }, (_, i) => ` tok${i} "q" \\ é 😀`).join(""));
    expect(reader.usage()).toEqual({ promptTokens: 3, completionTokens: 100, totalTokens: 103 });
    // Whole events are ~170 characters: parsed whole, the stream would be ~17,000.
    expect(parsedChars).toBeLessThan(events.map((event) => event.data.length).reduce((a, b) => a + b) / 4);
  });

  it("parses whole an event of the template's shape whose slot holds more than one string", () => {
    const template = chatChunk("a");
    const [before, after] = template.split('"a"') as [string, string];
    const events = [
      message(chatChunk("x")),
      message(chatChunk("y")),
      // The slot closed early and a second content member added: JSON.parse keeps the last one.
      message(`${before}"ignored","content":"second"${after}`),
      message(`${before}"a" ${after}`),
      message(`${before}null${after}`),
      message(`${before}"unterminated${after}`),
      message(`${before}"1"}]},{"choices":[{"delta":{"content":"2"${after}`),
      message(chatChunk("z"), "response.output_text.delta"),
    ];
    const { fast, whole } = readBoth(openai, events);
    expect(fast).toEqual(whole);
    expect(fast.text).toBe("xyseconda");
  });

  it("reads OpenAI's chunks with their per-chunk obfuscation padding the same way, the padding read as nothing", () => {
    const pad = (i: number) => "xYz0123456789".slice(0, 1 + (i % 9));
    const events = Array.from({ length: 100 }, (_, i) => message(chatChunk(` tok${i} "q" \\`, { obfuscation: pad(i) })));
    const parse = vi.spyOn(JSON, "parse");
    const reader = openai.streamReader(1 << 20)!;
    for (const event of events) reader.event(event);
    const parsedChars = parse.mock.calls.reduce((sum, [text]) => sum + String(text).length, 0);
    parse.mockRestore();
    expect(reader.text()).toBe(Array.from({ length: 100 }, (_, i) => ` tok${i} "q" \\`).join(""));
    expect(parsedChars).toBeLessThan(events.map((event) => event.data.length).reduce((a, b) => a + b) / 4);
    const mid = chatChunk("SPLIT", { obfuscation: "p" }).split('"SPLIT"')[1]!.split('"p"')[0]!;
    const tricky = [
      message(chatChunk("a", { obfuscation: "1" })),
      message(chatChunk("b", { obfuscation: "22" })),
      // The text between the two slots inside the piece: a literal cannot hold it unescaped.
      message(chatChunk(`x${mid}"evil`, { obfuscation: "3" })),
      message(chatChunk("c", { obfuscation: `${mid}` })),
      // A read member last: not padding (usage), and a padding that is not one string.
      message(chatChunk("d", { usage: "x" })),
      message(`${chatChunk("e", { obfuscation: "4" }).slice(0, -2)},"usage":{"prompt_tokens":1,"completion_tokens":2}}`),
      message(chatChunk("f", { obfuscation: "5" }).replace('"5"', '"5","choices":[]')),
      message(chatChunk("g", { obfuscation: "6" }).replace('"6"', "6")),
      // A member the reader reads is never padding, even as the last string: a type that turns
      // the chunk into a Responses event makes it add nothing.
      message(chatChunk("h", { type: "x" })),
      message(chatChunk("i", { type: "y" })),
      message(chatChunk("j", { type: "response.completed" })),
      message(chatChunk("k", { type: "response.output_text.delta" })),
    ];
    const { fast, whole } = readBoth(openai, tricky);
    expect(fast).toEqual(whole);
  });

  it("takes usage from a chunk of the learned shape that also carries usage", () => {
    const events = [message(chatChunk("a")), message(chatChunk("b")), message(chatChunk("c", { usage: { prompt_tokens: 1, completion_tokens: 3 } }))];
    const { fast, whole } = readBoth(openai, events);
    expect(fast).toEqual(whole);
    expect(fast.usage).toEqual({ promptTokens: 1, completionTokens: 3, totalTokens: 4 });
  });

  it("reads an Anthropic stream's text deltas the same way", () => {
    const delta = (text: string, type = "text_delta") => JSON.stringify({ type: "content_block_delta", index: 0, delta: { type, text } });
    const events: SseEvent[] = [
      message(JSON.stringify({ type: "message_start", message: { usage: { input_tokens: 5, output_tokens: 1 } } }), "message_start"),
      ...["Hel", "lo", " wor", "ld"].map((text) => message(delta(text), "content_block_delta")),
      message(delta("{\"a\":", "input_json_delta"), "content_block_delta"),
      message(JSON.stringify({ type: "message_delta", usage: { output_tokens: 9 } }), "message_delta"),
    ];
    const { fast, whole } = readBoth(anthropic, events);
    expect(fast).toEqual(whole);
    expect(fast.text).toBe("Hello world");
  });

  it("gives what parsing every event whole gives, for any stream of similar events (property)", () => {
    const content = fc.oneof(fc.string({ unit: "grapheme", maxLength: 12 }), fc.string({ unit: "binary", maxLength: 8 }), fc.constantFrom("", "\"", "\\", "\u0000", "\u2028", "</script>"));
    const variant: fc.Arbitrary<{ data: string; event?: string }> = fc.oneof(
      { weight: 6, arbitrary: content.map((text) => ({ data: chatChunk(text) })) },
      { weight: 1, arbitrary: fc.tuple(content, content).map(([a, b]) => ({ data: chatChunk(a).replace(/"content":/, `"content":${JSON.stringify(b)},"content":`) })) },
      { weight: 1, arbitrary: fc.tuple(content, fc.string({ maxLength: 12 })).map(([a, raw]) => ({ data: chatChunk(a).replace(JSON.stringify(a), raw) })) },
      { weight: 1, arbitrary: content.map((text) => ({ data: chatChunk(text, { usage: { prompt_tokens: 2, completion_tokens: 1 } }) })) },
      { weight: 3, arbitrary: fc.tuple(content, content).map(([text, padding]) => ({ data: chatChunk(text, { obfuscation: padding }) })) },
      { weight: 1, arbitrary: fc.tuple(content, content, fc.constantFrom("usage", "choices", "type", "delta", "note")).map(([text, padding, key]) => ({ data: chatChunk(text, { [key]: padding }) })) },
      { weight: 1, arbitrary: fc.tuple(content, fc.string({ maxLength: 12 })).map(([text, raw]) => ({ data: chatChunk(text, { obfuscation: "PAD" }).replace('"PAD"', raw) })) },
      { weight: 1, arbitrary: content.map((text) => ({ data: chatChunk(text), event: "response.output_text.delta" })) },
      { weight: 1, arbitrary: content.map((text) => ({ data: JSON.stringify({ type: "response.output_text.delta", delta: text }) })) },
    );
    fc.assert(
      fc.property(fc.array(variant, { maxLength: 40 }), fc.integer({ min: 1, max: 200 }), (events, maxChars) => {
        const { fast, whole } = readBoth(openai, events.map((e) => message(e.data, e.event)), maxChars);
        expect(fast).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });

  it("reads a string literal without a parse exactly as JSON.parse does (property)", () => {
    const parsed = (text: string) => {
      try {
        const value: unknown = JSON.parse(text);
        return typeof value === "string" ? value : undefined;
      } catch {
        return undefined;
      }
    };
    const inner = fc.array(fc.constantFrom("a", " tok1", "\"", "\\", "\\n", "\\u00e9", "\n", "\t", "\u0001", "\u001f", " ", "\ud800", "\udc00", "é", "€", "😀", "<", "1e999"), { maxLength: 8 });
    const literal = fc.tuple(fc.constantFrom("\"", "", " \"", "'"), inner, fc.constantFrom("\"", "", "\" ", "\\\"")).map(([open, parts, close]) => open + parts.join("") + close);
    fc.assert(fc.property(fc.oneof(literal, fc.string(), fc.string({ unit: "binary" }).map((text) => `"${text}"`)), (text) => {
      expect(stringLiteral(text)).toBe(parsed(text));
    }), { numRuns: 2000 });
    for (const text of ['""', '"', "", '"a"', '"\\"', '"\\""', '"a\nb"', '"\u007f"', '"\ud83d"']) expect(stringLiteral(text), text).toBe(parsed(text));
  });
});

// joinEvents against the join it replaced (kept below as the reference): for any list of rendered
// events — sides equal as one string or as two, differing, differing only in where their texts are
// cut (the joined texts then agree), parsed values listed or not — the same bytes for the caller and
// the record, and the same parsed lists; and through a stream masker, the record is the caller's
// buffer itself whenever nothing differs.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileDetectors } from "../../core/detectors/compile-detectors.js";
import type { MaskRule } from "../../core/detectors/mask-types.js";
import type { ParsedEvents } from "../sse/parsed-events.js";
import { createMaskContext } from "./mask-context.js";
import { createResponseStream } from "./response-stream.js";
import { joinEvents, type RenderedEvent, type StreamOutput } from "./stream-output.js";

/** The join as it was: both sides joined, then compared whole. */
function referenceJoin(events: readonly RenderedEvent[]): StreamOutput {
  let client = "";
  let record = "";
  const parsed: ParsedEvents = { client: [], record: [] };
  for (const out of events) {
    client += out.client;
    record += out.record;
    if (out.parsed?.client) parsed.client.push(out.parsed.client);
    if (out.parsed?.record) parsed.record.push(out.parsed.record);
  }
  const clientBytes = Buffer.from(client, "utf8");
  const same = client === record;
  return { client: clientBytes, record: same ? clientBytes : Buffer.from(record, "utf8"), parsed: same ? { client: parsed.client, record: parsed.client } : parsed };
}

const text = fc.string({ unit: fc.constantFrom("a", "b", "é", "😀", "\n", " ", "<", "x"), maxLength: 6 });
const parsedData = fc.option(fc.record({ data: text, value: fc.constantFrom(null, 1, "s") }), { nil: undefined });
const event: fc.Arbitrary<RenderedEvent> = fc.oneof(
  // The same string on both sides, or the same text as two strings.
  fc.tuple(text, parsedData).map(([client, parsed]) => ({ client, record: client, parsed: parsed && { client: parsed, record: parsed } })),
  fc.tuple(text, parsedData).map(([client, parsed]) => ({ client, record: [...client].join(""), parsed: parsed && { client: parsed } })),
  // Different texts (a restored placeholder on the caller's side).
  fc.tuple(text, text, parsedData, parsedData).map(([client, record, a, b]) => ({ client, record, parsed: { client: a, record: b } })),
);
// Texts that differ per event but agree joined: one event's record holds the start of the next one's client text.
const shifted = fc.tuple(text, text, text).map(([a, b, c]): RenderedEvent[] => [
  { client: a, record: a + b },
  { client: b + c, record: c },
]);

const same = (events: RenderedEvent[]) => {
  const made = joinEvents(events);
  const reference = referenceJoin(events);
  expect(made.client.equals(reference.client)).toBe(true);
  expect(made.record.equals(reference.record)).toBe(true);
  expect(made.record === made.client).toBe(reference.record === reference.client);
  // The lists as before; the events as written are held to the bytes in agent/record/written-events.test.ts.
  const { clientEvents: _client, recordEvents: _record, ...lists } = made.parsed!;
  expect(lists).toStrictEqual(reference.parsed);
};

describe("joinEvents", () => {
  it("joins any events as the former join did", () => {
    fc.assert(fc.property(fc.array(event, { minLength: 1, maxLength: 12 }), same), { numRuns: 3000 });
  });

  it("joins events whose sides differ per event but agree joined as the former join did", () => {
    fc.assert(fc.property(fc.array(event, { maxLength: 4 }), shifted, fc.array(event, { maxLength: 4 }), (before, pair, after) => same([...before, ...pair, ...after])), { numRuns: 2000 });
  });

  it("gives one buffer for both sides of a masked stream with nothing to restore, and two when a placeholder is restored", () => {
    const detectors = compileDetectors({ builtins: ["email", "phone", "payment-card", "secrets"], patterns: [], words: [] });
    const chunk = (content: string) => `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
    const sse = Buffer.from(["Mail ", "jane.doe@", "example.com", " or ", "<EMAIL_1>", " now"].map(chunk).join("") + "data: [DONE]\n\n");
    const redact: MaskRule = { policy: "pii", detectors, direction: "both", style: "redact", restore: false };
    const plain = createResponseStream("openai", "/v1/chat/completions", createMaskContext([redact])).push(sse);
    expect(plain.record).toBe(plain.client);
    const context = createMaskContext([{ ...redact, style: "pseudonymize", restore: true }]);
    context.prompt.mask("write to jane.doe@example.com", "request.messages[0].content");
    const restored = createResponseStream("openai", "/v1/chat/completions", context).push(sse);
    expect(restored.client.toString()).toContain("jane.doe@example.com");
    expect(restored.record.toString()).not.toContain("jane.doe@example.com");
  });
});

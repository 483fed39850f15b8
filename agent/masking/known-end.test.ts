// `[DONE]` as a known end (known-end.ts) against the full path: random chat streams (values to mask
// in every field, role and finish chunks, text events, other lines, events after the marker, the
// marker written several ways), cut at arbitrary network boundaries, under rules that find or hold
// something in "[DONE]" and rules that do not: the same bytes for the caller and the record at
// every push, the same parsed values, findings and refusals; and the known end is taken.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileDetectors } from "../../core/detectors/compile-detectors.js";
import type { MaskRule } from "../../core/detectors/mask-types.js";
import { createMaskContext } from "./mask-context.js";
import { createResponseStream } from "./response-stream.js";

const rule = (builtins: string[], patterns: string[] = [], words: string[] = [], extra: Partial<MaskRule> = {}): MaskRule => ({
  policy: "pii",
  detectors: compileDetectors({ builtins, patterns, words }),
  direction: "both",
  style: "redact",
  restore: false,
  ...extra,
});
const pii = ["email", "phone", "payment-card", "us-ssn", "secrets"];
const ruleSets: Record<string, MaskRule[]> = {
  redact: [rule(pii)],
  pseudonyms: [rule(pii, [], [], { style: "pseudonymize", restore: true })],
  "a DONE word": [rule(["email"], [], ["done"])],
  "a pattern holding the marker's end": [rule(["email"], ["\\[DONE\\]x"])],
  "two sets": [rule(["email"]), rule(["phone"], [], ["ok"])],
  // Quiet on the marker alone, found across a text event's resumed tail and it.
  "a word across the marker": [rule(["email"], [], ["end[DONE"])],
};

type Json = Record<string, unknown>;
const base = { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1733000000, model: "gpt-4o-mini", system_fingerprint: null };
const chunk = (choice: Json, extra: Json = {}) => `data: ${JSON.stringify({ ...base, ...extra, choices: [{ index: 0, logprobs: null, finish_reason: null, ...choice }] })}\n\n`;

function play(rules: MaskRule[], sse: string, size: number, knownEnd: boolean) {
  const context = createMaskContext(rules);
  if (rules[0]?.restore) context.prompt.mask("write to jane.doe@example.com or 4111 1111 1111 1111", "request.messages[0].content");
  const stats = { shaped: 0, ended: 0 };
  const stream = createResponseStream("openai", "/v1/chat/completions", context, { knownEnd, stats });
  const outputs: unknown[] = [];
  const take = (out: ReturnType<typeof stream.push>) => outputs.push([out.client.toString(), out.record.toString(), JSON.stringify(out.parsed)]);
  const bytes = Buffer.from(sse);
  try {
    for (let at = 0; at < bytes.length; at += size) take(stream.push(bytes.subarray(at, at + size)));
    take(stream.end());
  } catch (error) {
    outputs.push(`refused: ${(error as Error).message}`);
  }
  return { outputs, findings: context.counter.list(), ended: stats.ended, shaped: stats.shaped };
}

function same(rules: MaskRule[], sse: string, size: number): number {
  const full = play(rules, sse, size, false);
  const known = play(rules, sse, size, true);
  expect(known.outputs).toEqual(full.outputs);
  expect(known.findings).toEqual(full.findings);
  expect(known.shaped).toBe(full.shaped);
  expect(full.ended).toBe(0);
  return known.ended;
}

const done = "data: [DONE]\n\n";
const fragment = fc.constantFrom("jane.doe@", "example.com", "4111 1111 ", "1111 1111", "078-05-1120", " ", "tok1", "done", "DONE", "[DONE]", "ok", "<EMAIL_1>", "\\u0040", "é", "\n", '"', "");

describe("[DONE] as a known end", () => {
  it("is taken on the bench's stream, whole and cut, with the full path's bytes", () => {
    let sse = chunk({ delta: { role: "assistant", content: "" } });
    for (let index = 0; index < 20; index++) sse += chunk({ delta: { content: ` tok${index}` } });
    sse += chunk({ delta: {}, finish_reason: "stop" }) + done;
    for (const size of [1, 5, 64, 100_000]) {
      expect(same(ruleSets.redact, sse, size)).toBe(1);
      expect(same(ruleSets.pseudonyms, sse, size)).toBe(1);
      expect(same(ruleSets["two sets"], sse, size)).toBe(1);
      expect(same(ruleSets["a word across the marker"], sse, size)).toBe(1);
      // Rules that find or hold something in the marker: the full path.
      expect(same(ruleSets["a DONE word"], sse, size)).toBe(0);
      expect(same(ruleSets["a pattern holding the marker's end"], sse, size)).toBe(0);
    }
  });

  it("gives the full path's bytes, findings and refusals for any stream", () => {
    const text = fc.array(fragment, { minLength: 1, maxLength: 3 }).map((parts) => parts.join(""));
    const event = fc.oneof(
      { weight: 6, arbitrary: text.map((value) => chunk({ delta: { content: value } })) },
      { weight: 2, arbitrary: fc.tuple(text, text).map(([value, role]) => chunk({ delta: { role, content: value } })) },
      { weight: 2, arbitrary: fc.tuple(text, text).map(([value, reason]) => chunk({ delta: {}, finish_reason: reason }, { model: value })) },
      { weight: 1, arbitrary: fc.tuple(text, text).map(([value, extra]) => chunk({ delta: { content: value }, finish_reason: "stop" }, { extra })) },
      { weight: 3, arbitrary: fc.constantFrom(done, "data:[DONE]\r\n\r\n", "event: end\ndata: [DONE]\n\n", ": note\ndata: [DONE]\n\n", "data: [DONE] \n\n") },
      { weight: 1, arbitrary: text.map((value) => `data: ${value.replace(/\n/g, " ")}\n\n`) },
      { weight: 1, arbitrary: fc.constant(": ping\n\n") },
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 12 }), fc.integer({ min: 1, max: 64 }), fc.constantFrom(...Object.keys(ruleSets)), (events, size, rules) => {
        same(ruleSets[rules], events.join(""), size);
        same(ruleSets[rules], events.join(""), 100_000);
      }),
      { numRuns: 150 },
    );
  });

  it("replays the marker for events after it (a value across them is read as the full path reads it)", () => {
    for (const after of ["data: jane.doe@example.com\n\n", chunk({ delta: { content: "x" } }), "data: x\n\n", done]) {
      const sse = chunk({ delta: { content: "hi" } }) + done + after;
      for (const size of [1, 9, 100_000]) expect(same(ruleSets.redact, sse, size)).toBe(1);
    }
    // A text event before: its key may resume (here into a word across the marker), so the marker takes the full path.
    for (const size of [1, 100_000]) {
      expect(same(ruleSets["a word across the marker"], `data: the end\n\n${chunk({ delta: { content: "x" } })}${done}`, size)).toBe(0);
      expect(same(ruleSets.redact, `data: hello\n\n${done}`, size)).toBe(0);
    }
  });

  it("takes the full path while loose text is open (the marker's end settles it)", () => {
    for (const size of [1, 3, 100_000]) {
      expect(same(ruleSets.redact, chunk({ delta: { content: "hi" } }, { note: "write to jane.doe@" }) + done, size)).toBe(0);
    }
  });
});

// The known-shape path (event-shape.ts) against the full path: the same streams, masked both ways,
// must give the same bytes for the caller and the record, the same parsed values, the same findings
// and the same refusals — values split over deltas, finishes with text after them, logprobs,
// identifiers, lines, long numbers and placeholders included; and the shape path must be taken.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileDetectors } from "../../core/detectors/compile-detectors.js";
import type { MaskRule } from "../../core/detectors/mask-types.js";
import { createMaskContext } from "./mask-context.js";
import { createResponseStream } from "./response-stream.js";

const detectors = compileDetectors({ builtins: ["email", "phone", "payment-card", "us-ssn", "secrets"], patterns: [], words: [] });
const redact: MaskRule = { policy: "pii", detectors, direction: "both", style: "redact", restore: false };
const pseudonyms: MaskRule = { ...redact, style: "pseudonymize", restore: true };

type Json = Record<string, unknown>;
const base = { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1733000000, model: "gpt-4o-mini", system_fingerprint: null };
const chunk = (choice: Json, extra: Json = {}) => `data: ${JSON.stringify({ ...base, ...extra, choices: [{ index: 0, logprobs: null, finish_reason: null, ...choice }] })}\n\n`;
const content = (text: string) => chunk({ delta: { content: text } });

/** Masks `sse` in network chunks of `size` bytes; everything that comes out, and how many events took the shape path. */
function play(rules: MaskRule[], sse: string, size: number, knownShapes: boolean) {
  const context = createMaskContext(rules);
  if (rules[0]?.restore) context.prompt.mask("write to jane.doe@example.com or 4111 1111 1111 1111", "request.messages[0].content");
  const stats = { shaped: 0 };
  const stream = createResponseStream("openai", "/v1/chat/completions", context, { knownShapes, stats });
  const outputs: unknown[] = [];
  const take = (out: ReturnType<typeof stream.push>) => outputs.push([out.client.toString(), out.record.toString(), JSON.stringify(out.parsed)]);
  const bytes = Buffer.from(sse);
  try {
    for (let at = 0; at < bytes.length; at += size) take(stream.push(bytes.subarray(at, at + size)));
    take(stream.end());
  } catch (error) {
    outputs.push(`refused: ${(error as Error).message}`);
  }
  return { outputs, findings: context.counter.list(), shaped: stats.shaped };
}

function same(rules: MaskRule[], sse: string, size: number): number {
  const full = play(rules, sse, size, false);
  const shaped = play(rules, sse, size, true);
  expect(shaped.outputs).toEqual(full.outputs);
  expect(shaped.findings).toEqual(full.findings);
  expect(full.shaped).toBe(0);
  return shaped.shaped;
}

const pieces = (text: string, cuts: number[]) => {
  const out: string[] = [];
  let at = 0;
  for (const cut of cuts) {
    if (at >= text.length) break;
    out.push(text.slice(at, (at += 1 + (cut % 6))));
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
};

describe("known event shapes", () => {
  it("masks values split over deltas exactly as the full path, taking the shape path for the deltas", () => {
    const text = "Mail jane.doe@example.com, card 4111 1111 1111 1111, SSN 078-05-1120, key sk-proj-abcdefghijklmnopqrstuvwxyz0123456789 — done.";
    let sse = chunk({ delta: { role: "assistant", content: "" } });
    for (const piece of pieces(text, [0, 3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4, 6, 2, 6, 4, 3, 3, 8, 3, 2, 7, 9, 5])) sse += content(piece);
    sse += chunk({ delta: {}, finish_reason: "stop" }) + "data: [DONE]\n\n";
    for (const size of [1, 7, 100_000]) {
      expect(same([redact], sse, size)).toBeGreaterThan(20);
      expect(same([pseudonyms], sse, size)).toBeGreaterThan(20);
    }
    const { outputs } = play([redact], sse, 100_000, true);
    const client = (outputs as string[][]).map((out) => out[0]).join("");
    expect(client).not.toContain("jane");
    expect(client).not.toContain("1111");
  });

  it("falls back to the full path whenever the event or the handler's state needs it", () => {
    const cases: Record<string, string> = {
      "a finish waiting, then text after it": content("jane.doe@exam") + chunk({ delta: { content: "ple" }, finish_reason: "stop" }) + content(".com and more") + content(" text"),
      "an identifier in the delta": content("a") + content("b") + chunk({ delta: { role: "assistant", content: "jane.doe@" } }) + content("example.com") + content("!"),
      "logprobs on some events": content("hi ") + chunk({ delta: { content: "jane" }, logprobs: { content: [{ token: "jane", logprob: -1, bytes: null, top_logprobs: [] }], refusal: null } }) + content(".doe@example.com") + content(" x"),
      "other lines": content("a") + content("b") + `event: message\n${content("jane.doe@").slice(0, -1)}\n: note\n\n` + content("example.com") + content(" x"),
      "a long number": content("a") + content("b") + content("4111111111111111 and 1e300") + content(" more"),
      "a skeleton that changes": content("a") + content("jane.doe@") + chunk({ delta: { content: "example.com" } }, { model: "gpt-4o-mini-2" }) + content(" x"),
      "a placeholder-like id": chunk({ delta: { content: "a" } }, { id: "<EMAIL_1>" }) + chunk({ delta: { content: "<EMAIL_1>" } }, { id: "<EMAIL_1>" }),
      // The reply's own value gets the next placeholder mid-stream: from then on the id spells one.
      "an id that becomes a placeholder": [" ", "bob@", "example.org", " then", " more", " text"].map((text) => chunk({ delta: { content: text } }, { id: "<EMAIL_2>" })).join(""),
      "a loose field beside the delta": chunk({ delta: { content: "a" } }, { note: "jane.doe@" }) + chunk({ delta: { content: "b" } }, { note: "example.com" }) + content("c"),
      "a string long enough to be base64": content("a") + content("b") + content("aGVsbG8gamFuZS5kb2VAZXhhbXBsZS5jb20gYnll".repeat(8)) + content(" x"),
      "a binary base64 chunk": content("a") + content("b") + content(Buffer.from(Array.from({ length: 240 }, (_, at) => (at * 97 + 13) % 256)).toString("base64")) + content(" x"),
      "a key that is a value, on every chunk": [" a", " b", " c", " d"].map((text) => chunk({ delta: { content: text } }, { "jane.doe@example.com": 1 })).join(""),
      "a number that is a value, on every chunk": [" a", " b", " c", " d"].map((text) => chunk({ delta: { content: text } }, { created: 4155552671 })).join(""),
      "a loose field repeated on every chunk": [" a", " b", " c", " d", " e"].map((text) => chunk({ delta: { content: text } }, { note: "4242 " })).join(""),
      "two choices": content("a") + `data: ${JSON.stringify({ ...base, choices: [0, 1].map((index) => ({ index, delta: { content: "jane.doe@" }, logprobs: null, finish_reason: null })) })}\n\n` + content("example.com"),
      "spaced JSON": content("a") + content("b") + `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: "jane.doe@" }, logprobs: null, finish_reason: null }] }, null, 1).replace(/\n/g, "")}\n\n` + content("example.com"),
      "a literal that is not one string": content("a") + content("b") + `data: ${content('x"},{"content":"jane.doe@example.com').slice(6).replace('\\"},{\\"content\\":\\"', '"},{"content":"')}`,
      "escapes and non-ASCII": content("a") + content("jane\\u0040") + content("ｅｘａｍｐｌｅ．ｃｏｍ \u00e9\t") + content("x"),
      "keep-alive comments between": content("a") + ": ping\n\n" + content("jane.doe@") + ": ping\n\n" + content("example.com"),
      "a role chunk mid-stream": content("a") + chunk({ delta: { role: "assistant" } }) + content("jane.doe@") + content("example.com"),
    };
    for (const [name, body] of Object.entries(cases)) {
      const sse = `${chunk({ delta: { role: "assistant", content: "" } })}${body}${chunk({ delta: {}, finish_reason: "stop" })}data: [DONE]\n\n`;
      for (const rules of [[redact], [pseudonyms]]) for (const size of [1, 5, 100_000]) expect(() => same(rules, sse, size), name).not.toThrow();
    }
  });

  it("property: any mix of chunk shapes and texts comes out as the full path has it", () => {
    const fragment = fc.constantFrom("jane.doe@", "example.com", "4111 1111 ", "1111 1111", "078-05-", "1120", " ", "tok1", "hi", "<EMAIL_1>", "<", "\\u0040", "ｊａｎｅ＠", "sk-proj-", "abcdefghijklmnopqrstuvwxyz", "é", "\n", "\"",
      // Red team: letters-only secrets split by markup and controls, risky numbers, what JSON escapes (controls, backslash, a lone surrogate).
      "AK", "IA", "**", "QWERTYUIOPASDFGH", "`", "<b>", "\u0001", "\\", "xo", "xb-abcdefghijkl", "1111111111111111", "e150", "\u2028", "\ud800", "dead:beef::cafe", "😀");
    const event = fc.oneof(
      { weight: 8, arbitrary: fragment.map(content) },
      { weight: 1, arbitrary: fragment.map((text) => chunk({ delta: { content: text }, finish_reason: "stop" })) },
      { weight: 1, arbitrary: fragment.map((text) => chunk({ delta: { refusal: text } })) },
      { weight: 1, arbitrary: fragment.map((text) => chunk({ delta: { role: "assistant", content: text } })) },
      { weight: 1, arbitrary: fragment.map((text) => chunk({ delta: { content: text } }, { model: text })) },
      { weight: 1, arbitrary: fragment.map((text) => chunk({ delta: { content: text }, logprobs: { content: [{ token: text, logprob: -1, bytes: null, top_logprobs: [] }], refusal: null } })) },
      { weight: 1, arbitrary: fc.constant(": ping\n\n") },
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 30 }), fc.integer({ min: 1, max: 64 }), fc.boolean(), (events, size, restore) => {
        const sse = `${chunk({ delta: { role: "assistant", content: "" } })}${events.join("")}${chunk({ delta: {}, finish_reason: "stop" })}data: [DONE]\n\n`;
        same(restore ? [pseudonyms] : [redact], sse, size);
      }),
      { numRuns: 150 },
    );
  });

  // OpenAI's per-chunk `obfuscation` padding: a random string as the chunk's last member.
  const last = (choice: Json, extra: Json) => `data: ${JSON.stringify({ ...base, choices: [{ index: 0, logprobs: null, finish_reason: null, ...choice }], ...extra })}\n\n`;
  const padded = (text: string, pad: unknown, choice: Json = {}) => last({ delta: { content: text }, ...choice }, { obfuscation: pad });

  it("takes the shape path for chunks with OpenAI's obfuscation padding, masking as the full path does", () => {
    const text = "Mail jane.doe@example.com, card 4111 1111 1111 1111, SSN 078-05-1120 — done.";
    const pads = ["a3", "Xk9", "q", "7Fh2", "", "zz0", "b", "wQ3e4", "R"];
    let sse = last({ delta: { role: "assistant", content: "" } }, { obfuscation: "r0" });
    pieces(text, [0, 3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4, 6, 2]).forEach((piece, at) => {
      sse += padded(piece, pads[at % pads.length]);
    });
    sse += last({ delta: {}, finish_reason: "stop" }, { obfuscation: "end" }) + "data: [DONE]\n\n";
    for (const size of [1, 100_000]) {
      expect(same([redact], sse, size)).toBeGreaterThan(15);
      expect(same([pseudonyms], sse, size)).toBeGreaterThan(15);
    }
    // As OpenAI sends them when usage is asked for (the agent asks on the caller's behalf): a service
    // tier, `usage: null` in every chunk, the padding last.
    const real = (text: string, pad: string) => `data: ${JSON.stringify({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1733000000, model: "gpt-4o-mini", service_tier: "default", system_fingerprint: "fp_1", choices: [{ index: 0, delta: { content: text }, logprobs: null, finish_reason: null }], usage: null, obfuscation: pad })}\n\n`;
    const openaiSse = pieces(text, [2, 7, 1, 8, 2, 8, 1, 8, 2, 8, 4, 5, 9, 0, 4, 5, 2, 3, 5, 3]).map((piece, at) => real(piece, pads[at % pads.length]!)).join("") + "data: [DONE]\n\n";
    expect(same([redact], openaiSse, 100_000)).toBeGreaterThan(12);
  });

  it("falls back to the full path for paddings the generic pass would change, or that are no padding", () => {
    const cases: Record<string, string> = {
      "a value across two paddings": ["a", "b", "c", "d", "e"].map((text, at) => padded(text, ["x", "jane.doe@", "example.com", "y", "z"][at])).join(""),
      "a phone number across paddings": ["a", "b", "c", "d"].map((text, at) => padded(text, ["415", "555", "2671", "q"][at])).join(""),
      "a value in one padding": padded("a", "p1") + padded("b", "p2") + padded("c", "jane.doe@example.com") + padded("d", "p4"),
      "a card in one padding": padded("a", "p1") + padded("b", "p2") + padded("c", "4111111111111111") + padded("d", "p4"),
      "a placeholder in a padding": padded("a", "p1") + padded("b", "<EMAIL_1>") + padded("c", "p3") + padded("d", "<") + padded("e", "p5"),
      "escapes in a padding": padded("a", "p1") + padded("b", "p\u00e9\n\"") + padded("c", "\\") + padded("d", "\ud800") + padded("e", "p5"),
      "a padding that is not a string": padded("a", "p1") + padded("b", 7) + padded("c", null) + padded("d", { x: "jane.doe@example.com" }) + padded("e", ["p"]) + padded("f", "p6"),
      "a padding that stops": padded("a", "p1") + padded("b", "p2") + content("c") + content("d") + padded("e", "p5"),
      "the slot's text holding the text between the two": padded("a", "p1") + padded('b"},"logprobs":null,"finish_reason":null}],"obfuscation":"x', "p2") + padded("c", "p3"),
      "a raw literal holding the text between the two": padded("a", "p1") + padded("b", "p2") + `data: ${padded("QQ", "p3").slice(6).replace('"QQ"', '"c\\"},\\"logprobs\\":null,\\"finish_reason\\":null}],\\"obfuscation\\":\\"x"')}` + padded("d", "p4"),
      "a read key as the last member": [" a", " b", " c", " d"].map((text, at) => last({ delta: { content: text } }, { service_tier: `t${at}` })).join(""),
      "a loose (not identifier) last member": [" a", " b", " c", " d"].map((text, at) => last({ delta: { content: text } }, { note: ["jane.", "doe@", "example.", "com"][at] })).join(""),
      "another identifier as the last member": [" a", " b", " c", " d", " e"].map((text, at) => last({ delta: { content: text } }, { request_id: ["r-1", "r-2", "jane.doe@", "example.com", "r-4"][at] })).join(""),
      "a padding with a finish waiting": padded("jane.doe@exam", "p1") + padded("ple", "p2", { finish_reason: "stop" }) + padded(".com", "p3") + padded("x", "p4"),
      "logprobs and a padding": padded("hi ", "p1") + padded("jane", "p2", { logprobs: { content: [{ token: "jane", logprob: -1, bytes: null, top_logprobs: [] }], refusal: null } }) + padded(".doe@example.com", "p3") + padded(" x", "p4"),
      "a padding before choices": [" a", " b", " c"].map((text, at) => `data: ${JSON.stringify({ obfuscation: `o${at}`, ...base, choices: [{ index: 0, delta: { content: text }, logprobs: null, finish_reason: null }] })}\n\n`).join(""),
    };
    // A stream cut short holding text back: the handler writes it in an event of its own, with the
    // top-level fields it read from the last chunk (a padding-like member it reads must not be skipped).
    const held = [" a", " b", " c", " call 415"].map((text, at) => last({ delta: { content: text } }, { service_tier: `t${at}` })).join("");
    for (const rules of [[redact], [pseudonyms]]) for (const size of [1, 100_000]) same(rules, last({ delta: { role: "assistant", content: "" } }, { service_tier: "t" }) + held, size);
    for (const [name, body] of Object.entries(cases)) {
      const sse = `${last({ delta: { role: "assistant", content: "" } }, { obfuscation: "r0" })}${body}${chunk({ delta: {}, finish_reason: "stop" })}data: [DONE]\n\n`;
      for (const rules of [[redact], [pseudonyms]]) for (const size of [3, 100_000]) expect(() => same(rules, sse, size), name).not.toThrow();
    }
  });

  it("property: padded chunks of any texts and paddings come out as the full path has them", () => {
    const fragment = fc.constantFrom("jane.doe@", "example.com", "4111 1111 ", "1111 1111", "415", "555", "2671", " ", "tok1", "<EMAIL_1>", "<", "\\u0040", "\"", "é", "\n", "\ud800", "AKIA", "QWERTYUIOPASDFGH", "");
    const pad = fc.oneof({ weight: 6, arbitrary: fc.stringMatching(/^[A-Za-z0-9]{0,9}$/) }, { weight: 3, arbitrary: fragment }, { weight: 1, arbitrary: fc.constantFrom<unknown>(1, null, true) });
    const event = fc.oneof(
      { weight: 8, arbitrary: fc.tuple(fragment, pad).map(([text, padding]) => padded(text, padding)) },
      { weight: 1, arbitrary: fragment.map(content) },
      { weight: 1, arbitrary: fc.tuple(fragment, pad).map(([text, padding]) => padded(text, padding, { finish_reason: "stop" })) },
      { weight: 1, arbitrary: fc.tuple(fragment, pad).map(([text, padding]) => last({ delta: { refusal: text } }, { obfuscation: padding })) },
      { weight: 1, arbitrary: fc.tuple(fragment, pad).map(([text, padding]) => last({ delta: { content: text } }, { model: text, obfuscation: padding })) },
      { weight: 1, arbitrary: fc.tuple(fragment, pad).map(([text, padding]) => last({ delta: { content: text } }, { request_id: padding })) },
      { weight: 1, arbitrary: fc.constant(": ping\n\n") },
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 30 }), fc.integer({ min: 1, max: 64 }), fc.boolean(), (events, size, restore) => {
        const sse = `${last({ delta: { role: "assistant", content: "" } }, { obfuscation: "r0" })}${events.join("")}${chunk({ delta: {}, finish_reason: "stop" })}data: [DONE]\n\n`;
        same(restore ? [pseudonyms] : [redact], sse, size);
      }),
      { numRuns: 80 },
    );
  });
});

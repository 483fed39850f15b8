// The reply side's readsAsWritten (reads-as-written.ts), with and without the key count of masking's
// walk, against strict-json.ts's, the reference: JSON written with blanks anywhere, duplicate keys,
// strings opening with a colon, escaped quotes and backslashes before them, lone surrogates, long numbers.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readsAsWritten as reference } from "../inspection/strict-json.js";
import { maskJsonDocuments } from "./document-masker.js";
import { parseJsonBodyExact } from "./json-body.js";
import { createMaskContext } from "./mask-context.js";
import { readsAsWritten } from "./reads-as-written.js";
import { rule } from "./test-rules.js";

/** The keys masking's logprobs walk counts in `text` parsed (undefined when masking refuses it); a copy of its own, as masking edits what it changes. */
function heldKeys(text: string): number | undefined {
  const held = { keys: -1 };
  try {
    maskJsonDocuments([parseJsonBodyExact(text).value], createMaskContext([rule()]).reply, true, held);
  } catch {
    return undefined;
  }
  return held.keys;
}

const blank = fc.string({ unit: fc.constantFrom(" ", "\t", "\n", "\r"), maxLength: 3 });
// Characters of a string's content: what JSON escapes, what looks like a key's end, unicode, surrogates.
const char = fc.constantFrom("a", "k", '"', "\\", ":", " ", "\n", "é", "😀", "\ud800", "\udc00", "\u2028", "{", "}", "[", "]", ",", "\u0000");
const content = fc.string({ unit: char, maxLength: 8 });
// A string written as JSON.stringify does, or with every character as a \u escape, or with / escaped.
const written = (text: string, how: number) => {
  if (how === 1) return `"${[...Array(text.length).keys()].map((at) => `\\u${text.charCodeAt(at).toString(16).padStart(4, "0")}`).join("")}"`;
  if (how === 2) return JSON.stringify(text).replaceAll("/", "\\/");
  return JSON.stringify(text);
};
const stringText = fc.tuple(content, fc.nat(2)).map(([text, how]) => written(text, how));
const keyText = fc.tuple(fc.constantFrom("a", "b", "a\\", 'x"', "logprobs", ""), fc.nat(2)).map(([text, how]) => written(text, how));
const numberText = fc.constantFrom("0", "-1", "1.5e3", "12345678901234567890", "1e400", "3.141592653589793238462643");

const { value: jsonText } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small", withCrossShrink: true }, stringText, numberText, fc.constantFrom("true", "null"), tie("object"), tie("array")),
  object: fc.array(fc.tuple(blank, keyText, blank, blank, tie("value"), blank), { maxLength: 4 }).map((members) => `{${members.map(([a, key, b, c, value, d]) => `${a}${key}${b}:${c}${value}${d}`).join(",")}}`),
  array: fc.array(fc.tuple(blank, tie("value"), blank), { maxLength: 4 }).map((items) => `[${items.map(([a, value, b]) => `${a}${value}${b}`).join(",")}]`),
})) as { value: fc.Arbitrary<string> };

describe("readsAsWritten (reply side)", () => {
  it("answers as strict-json.ts does for every JSON text", () => {
    fc.assert(fc.property(blank, jsonText, blank, (before, text, after) => {
      const whole = before + text + after;
      const { value } = parseJsonBodyExact(whole);
      if (value === undefined) return; // not JSON (a raw NUL, a lone surrogate JSON.parse refuses…): never asked
      const expected = reference(whole, value);
      expect(readsAsWritten(whole, value)).toBe(expected);
      const held = heldKeys(whole);
      if (held !== undefined) expect(readsAsWritten(whole, value, held)).toBe(expected);
    }), { numRuns: 2000 });
  });

  it("tells duplicates and lone surrogates like the reference", () => {
    const logprobs = '{"choices":[{"message":{"content":"hi","refusal":null},"logprobs":{"content":[],"refusal":null,"content":null}},{"text":"a","logprobs":[{"token":"a"}],"x":{"x":1}}]}';
    for (const text of [logprobs, logprobs.replace(',"content":null', ""), '{"logprobs":null,"message":{"a":1},"b":{"c":12345678901234567890}}', '{"a":1,"a":2}', '{"a":{"b":1},"c":{"b":1}}', '{"a":"\\ud800"}', '{"\\udc00":1}', '{"a\\"":1,"a\\"":2}', '{"a\\\\":1}', '["\\":"]', '[":)", " :x", {"a":":y","a":1}]', '"x"', "12345678901234567890123"]) {
      const { value } = parseJsonBodyExact(text);
      expect(readsAsWritten(text, value)).toBe(reference(text, value));
      expect(readsAsWritten(text, value, heldKeys(text))).toBe(reference(text, value));
    }
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseStrictJson } from "../inspection/strict-json.js";
import { keysReadAsWritten } from "./written-keys.js";
import { parseJsonBodyExact } from "./json-body.js";

// A key written with escapes, and a raw-prefix key V8 may take it for (written-keys.ts).
const attack = String.raw`{"messages":[],"\u0062omb":"x"}`;
const poison = String.raw`{"messages":1,"\\u00":1}`;

describe("keys written with escapes, read as written", () => {
  it("tells a value holding another key than the text writes (V8's misread, built by hand)", () => {
    expect(keysReadAsWritten(attack, { messages: [], "\\u00": "x" })).toBe(false);
    expect(keysReadAsWritten(attack, { messages: [], bomb: "x" })).toBe(true);
    expect(keysReadAsWritten(String.raw`{"\"":1,"\"":2}`, { '"': 2 })).toBe(true); // a duplicate: the callers' own judgement
    expect(keysReadAsWritten(String.raw`{"\"":1,"\"":2}`, { '"': 1, "\\": 2 })).toBe(false);
    expect(keysReadAsWritten(String.raw`{"a":{"\n":1},"b":"\\"}`, { a: { "\n": 1 }, b: "\\" })).toBe(true);
    expect(keysReadAsWritten(String.raw`{"a":{"\n":1},"b":"\\"}`, { a: { "\\": 1 }, b: "\\" })).toBe(false);
  });

  it("never lets a parse hold a key the text does not write, whatever V8 parsed before", () => {
    JSON.parse(poison); // with the defect, V8 now reads the attack's second key as `\u00`
    const parsed = parseJsonBodyExact(attack);
    if (parsed.misread) expect(parsed.value).toBeUndefined();
    else expect(Object.keys(parsed.value as object)).toEqual(["messages", "bomb"]);
    const strict = parseStrictJson(attack);
    if (strict.ok) expect(Object.keys(strict.value as object)).toEqual(["messages", "bomb"]);
    else expect(strict).toMatchObject({ code: "misread_json_key" });
  });

  it("accepts any object's own text, and refuses it with one key swapped (property)", () => {
    const key = fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom("\\", '"', "\n", "\\u00", "\u2028", "é", "\ud83d\ude00"));
    const value = fc.letrec((tie) => ({ node: fc.oneof({ depthSize: "small" }, fc.string({ maxLength: 3 }), fc.integer(), fc.array(tie("node"), { maxLength: 3 }), fc.dictionary(key, tie("node"), { maxKeys: 3 })) })).node;
    fc.assert(
      fc.property(fc.dictionary(key, value, { minKeys: 1, maxKeys: 4 }), key, (object, other) => {
        const text = JSON.stringify(object);
        expect(keysReadAsWritten(text, object)).toBe(true);
        const [first] = Object.keys(object);
        if (other === first || Object.hasOwn(object, other) || !/\\/.test(text)) return;
        // The first key held as `other` instead: told apart when the text writes an escaped key.
        const swapped = Object.fromEntries(Object.entries(object).map(([k, v]) => [k === first ? other : k, v]));
        const escapedKeyWritten = Object.keys(object).some((k) => JSON.stringify(k).includes("\\")) || JSON.stringify(Object.keys(object)).includes("\\");
        if (escapedKeyWritten && !text.includes(JSON.stringify(other))) expect(keysReadAsWritten(text, swapped)).toBe(false);
      }),
      { numRuns: 400 },
    );
  });
});

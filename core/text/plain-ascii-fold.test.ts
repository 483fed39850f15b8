import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { plainAscii } from "./normalise.js";
import { foldWords, plainAsciiFoldAndSkeleton } from "./word-view.js";

// The previous path of agent/inspection/slot-views.ts for plain ASCII, copied as the reference:
// plainAscii's test, then a charCodeAt pass through the ASCII table.
const asciiWord = Array.from({ length: 128 }, (_, code) => {
  const char = String.fromCharCode(code).toLowerCase();
  if (!/[a-z0-9]/.test(char)) return undefined;
  return ({ "0": "o", "1": "l", i: "l", m: "rn" } as Record<string, string>)[char] ?? char;
});
const foldCodes = Uint8Array.from({ length: 128 }, (_, code) => {
  const word = asciiWord[code];
  return word === undefined ? 0 : word === "rn" ? 1 : word.charCodeAt(0);
});
function previous(text: string): [string, string] | undefined {
  if (!plainAscii.test(text)) return undefined;
  let fold = "";
  let skeleton = "";
  let space = false;
  for (let index = 0; index < text.length; index++) {
    const code = foldCodes[text.charCodeAt(index) & 127]!;
    if (code === 0) {
      if (fold !== "") space = true;
      continue;
    }
    if (space) {
      fold += " ";
      space = false;
    }
    const out = code === 1 ? "rn" : String.fromCharCode(code);
    fold += out;
    skeleton += out;
  }
  return [fold, skeleton];
}

// Plain ASCII and what is not: controls, `%`, `&`, `\`, DEL, Latin-1 letters and characters whose
// low byte is a plain letter (š is U+0161, "a" is 0x61; Ł is U+0141, "A"), CJK, lone and paired
// surrogates — each alone would be read wrongly by a pass over truncated bytes.
const units = [..."aAbmMiI01lo7xyz -_.,;:!?\t\n\r'\"()[]{}<>*`#/"];
const others = ["\u0000", "\u0001", "\u001f", "%", "&", "\\", "\u007f", "\u0080", "\u00e9", "\u00ff", "\u0161", "\u0141", "\u0100", "\u4e00", "\ud83d", "\ude00", "😀", "\u2028", "\u0120"];
const text = fc.oneof(
  fc.string({ unit: fc.constantFrom(...units), maxLength: 200 }),
  fc.array(fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...units) }, { weight: 1, arbitrary: fc.constantFrom(...others) }), { maxLength: 300 }).map((parts) => parts.join("")),
  fc.string({ unit: "binary", maxLength: 40 }),
);

describe("plainAsciiFoldAndSkeleton", () => {
  it("answers as plainAscii's test then the charCodeAt fold did, whatever came before (the buffer is reused and grows)", () => {
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 6 }), (texts) => {
        for (const one of texts) expect(plainAsciiFoldAndSkeleton(one)).toEqual(previous(one));
      }),
      { numRuns: 400 },
    );
  });

  it("gives the word view foldWords gives a plain text, and its spaceless skeleton", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...units), maxLength: 300 }), (one) => {
        const fold = foldWords(one, false);
        expect(plainAsciiFoldAndSkeleton(one)).toEqual([fold, fold.replaceAll(" ", "")]);
      }),
      { numRuns: 300 },
    );
  });

  it("reads a long text after a short one, and a short one after it, from its own bytes", () => {
    const long = "Please review the quarterly report, mainly its risks. ".repeat(400);
    expect(plainAsciiFoldAndSkeleton("a b")).toEqual(["a b", "ab"]);
    expect(plainAsciiFoldAndSkeleton(long)).toEqual(previous(long));
    expect(plainAsciiFoldAndSkeleton("Mi1")).toEqual(["rnll", "rnll"]);
    expect(plainAsciiFoldAndSkeleton(`${long}\u0161`)).toBeUndefined();
    expect(plainAsciiFoldAndSkeleton("")).toEqual(["", ""]);
  });
});

// strictUtf8 (a native UTF-8 check, then a decode) against the fatal TextDecoder it replaced: the same
// text, or a refusal, for any bytes — BOMs, surrogates and code points past U+10FFFF encoded,
// overlong forms, sequences cut short, stray continuation bytes.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { strictUtf8, UninspectableReply } from "./uninspectable.js";

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

function fatal(bytes: Buffer): string | "refused" {
  try {
    return decoder.decode(bytes);
  } catch {
    return "refused";
  }
}

function ours(bytes: Buffer): string | "refused" {
  try {
    return strictUtf8(bytes);
  } catch (error) {
    if (!(error instanceof UninspectableReply)) throw error;
    return "refused";
  }
}

// Pieces that are valid, nearly valid or invalid UTF-8.
const piece = fc.oneof(
  fc.constantFrom(
    [0xef, 0xbb, 0xbf], [0xed, 0xa0, 0x80], [0xed, 0x9f, 0xbf], [0xf4, 0x8f, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xc0, 0x80], [0xc1, 0xbf],
    [0xe0, 0x80, 0x80], [0xf0, 0x80, 0x80, 0x80], [0xc3], [0xe2, 0x82], [0x80], [0xbf], [0xfe], [0xff], [0x00], [0x41], [0xc3, 0xa9], [0xf0, 0x9f, 0x98, 0x80],
  ),
  fc.string({ unit: "binary", maxLength: 4 }).map((text) => [...Buffer.from(text, "utf8")]),
  fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 4 }),
);

describe("strictUtf8", () => {
  it("reads what a fatal TextDecoder reads, and refuses what it refuses", () => {
    fc.assert(fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
      const bytes = Buffer.from(pieces.flat());
      expect(ours(bytes)).toBe(fatal(bytes));
    }), { numRuns: 3000 });
  });

  it("drops one leading BOM only", () => {
    const bom = [0xef, 0xbb, 0xbf];
    expect(strictUtf8(Buffer.from([...bom, ...bom, 0x41]))).toBe("\uFEFFA");
    expect(strictUtf8(Buffer.from(bom))).toBe("");
    expect(strictUtf8(Buffer.alloc(0))).toBe("");
  });
});

// The reply's charset and codings read with fast paths (no parameter, no header, the NUL pattern as
// bits) against what was read before: the same charsets, encodings, codings and refusals.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { contentCodings as requestCodings } from "../inspection/decode-body.js";
import { mediaKind } from "../masking/binary-parts.js";
import { UninspectableReply } from "../masking/uninspectable.js";
import { declaredCharset, encodingOf, isUtf8Charset } from "./reply-charset.js";
import { contentCodings } from "./reply-decoding.js";

// What was read before, copied.
const charsetParam = /;\s*charset\s*=\s*(?:"([^"]*)"|([^";\s]*))/gi;
function previousCharset(contentType: string): string | undefined {
  let found: string | undefined;
  for (const match of contentType.matchAll(charsetParam)) {
    const name = (match[1] ?? match[2] ?? "").trim().toLowerCase();
    if (found !== undefined && found !== name) throw new UninspectableReply(`its content type declares two charsets (${found}, ${name})`);
    found = name;
  }
  return found;
}
function previousEncoding(head: Buffer, declared: string | undefined): string {
  const [a, b, c, d] = head;
  if (a === 0xef && b === 0xbb && c === 0xbf) return "utf-8";
  if ((a === 0xff && b === 0xfe && c === 0 && d === 0) || (a === 0 && b === 0 && c === 0xfe && d === 0xff)) throw new UninspectableReply("the body is UTF-32 (by its BOM), which Palisade does not read");
  if (a === 0xff && b === 0xfe) return "utf-16le";
  if (a === 0xfe && b === 0xff) return "utf-16be";
  if (mediaKind(head) !== undefined) return "utf-8";
  if (!isUtf8Charset(declared)) return declared as string;
  if (head.length < 4) return "utf-8";
  const nul = [a === 0, b === 0, c === 0, d === 0].map(Number).join("");
  if (nul === "1110" || nul === "0111") throw new UninspectableReply("the body is UTF-32 (by its NUL pattern), which Palisade does not read");
  if (nul === "1010") return "utf-16be";
  if (nul === "0101") return "utf-16le";
  return "utf-8";
}
const previousCodings = (header: string | string[] | undefined) => {
  const value = Array.isArray(header) ? header.join(",") : (header ?? "");
  return value.split(",").map((coding) => coding.trim().toLowerCase()).filter((coding) => coding !== "" && coding !== "identity");
};

const outcome = <T>(read: () => T): T | string => {
  try {
    return read();
  } catch (error) {
    return `refused: ${(error as Error).message}`;
  }
};

describe("reply charset and codings fast paths", () => {
  it("read a content type's charset as before", () => {
    const piece = fc.constantFrom("application/json", "text/event-stream", ";", " ", "charset", "CharSet", "=", "utf-8", "\"utf-16\"", "latin1", "\t", "x");
    fc.assert(fc.property(fc.array(piece, { maxLength: 8 }).map((parts) => parts.join("")), (contentType) => {
      expect(outcome(() => declaredCharset(contentType))).toEqual(outcome(() => previousCharset(contentType)));
    }), { numRuns: 3000 });
  });

  it("choose a body's encoding as before", () => {
    const byte = fc.constantFrom(0, 0, 0xef, 0xbb, 0xbf, 0xff, 0xfe, 0x7b, 0x89, 0x50, 0x4e, 0x47, 0x41);
    fc.assert(fc.property(fc.array(byte, { maxLength: 12 }), fc.constantFrom(undefined, "", "utf-8", "utf-16le", "windows-1252"), (bytes, declared) => {
      const head = Buffer.from(bytes);
      expect(outcome(() => encodingOf(head, declared))).toEqual(outcome(() => previousEncoding(head, declared)));
    }), { numRuns: 3000 });
  });

  it("list a content-encoding header's codings as before, replies and requests", () => {
    const header = fc.oneof(fc.constant(undefined), fc.string(), fc.array(fc.constantFrom("gzip", " br", "identity", "", ",", "GZIP , zstd"), { maxLength: 3 }));
    fc.assert(fc.property(header, (value) => {
      expect(contentCodings(value)).toEqual(previousCodings(value));
      expect(requestCodings(value)).toEqual(previousCodings(value));
    }), { numRuns: 1000 });
  });
});

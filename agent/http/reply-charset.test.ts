// A reply's charset as its readers would read it: the BOM, a media signature, the declared charset,
// the NUL pattern of the first bytes, else UTF-8; what the agent cannot read is refused, what it
// reads goes on as UTF-8, whatever size the network chunks.
import { describe, expect, it } from "vitest";
import { UninspectableReply } from "../masking/uninspectable.js";
import { createCharsetReader, declaredCharset, utf8ContentType } from "./reply-charset.js";

const TEXT = '{"content":"zoe.quill@example.org é"}';

/** The UTF-8 text a reader gives for `bytes` sent in chunks of `size`. */
function read(bytes: Buffer, contentType: string, size = 3): string {
  const reader = createCharsetReader(contentType);
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(reader.push(bytes.subarray(at, at + size)));
  out.push(reader.end());
  return Buffer.concat(out).toString("utf8");
}

const utf16be = (text: string) => Buffer.from(text, "utf16le").swap16();

describe("reply charsets", () => {
  it("reads UTF-16 by its BOM, its label or its NUL pattern, in chunks of any size, and gives UTF-8", () => {
    for (const size of [1, 2, 3, 5, 64]) {
      expect(read(Buffer.from(TEXT, "utf16le"), "application/json", size)).toBe(TEXT);
      expect(read(utf16be(TEXT), "application/json", size)).toBe(TEXT);
      expect(read(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(TEXT, "utf16le")]), "application/json; charset=utf-8", size)).toBe(TEXT);
      expect(read(Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(TEXT)]), "text/event-stream", size)).toBe(TEXT);
      expect(read(Buffer.from(TEXT, "latin1"), 'application/json; charset="ISO-8859-1"', size)).toBe(TEXT);
      expect(read(Buffer.from(TEXT), "application/json", size)).toBe(TEXT);
    }
  });

  it("passes UTF-8 and media bytes as they are, the same buffers once the opening is read", () => {
    const reader = createCharsetReader("application/json");
    const first = Buffer.from('{"a":"0123456789"');
    expect(reader.push(first)).toBe(first);
    const second = Buffer.from("}");
    expect(reader.push(second)).toBe(second);
    const mp4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from("ftypmp42"), Buffer.alloc(20)]);
    expect(read(mp4, "video/mp4", 4)).toBe(mp4.toString("utf8"));
  });

  it("refuses UTF-32, UTF-7, unknown charsets, two charsets, NULs once decoded and invalid data", () => {
    const utf32 = Buffer.alloc(TEXT.length * 4);
    for (const [at, char] of [...TEXT].entries()) utf32.writeUInt32LE(char.codePointAt(0) as number, at * 4);
    expect(() => read(utf32, "application/json")).toThrow(/UTF-32/);
    expect(() => read(Buffer.from(utf32).swap32(), "application/json")).toThrow(/UTF-32/);
    expect(() => read(Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), utf32]), "application/json")).toThrow(/UTF-32/);
    expect(() => read(Buffer.from(TEXT), "application/json; charset=utf-7")).toThrow(/utf-7 is not one Palisade reads/);
    expect(() => read(Buffer.from(TEXT), "application/json; charset=utf-32")).toThrow(UninspectableReply);
    expect(() => read(Buffer.from(TEXT), "application/json; charset=iso-2022-kr")).toThrow(UninspectableReply);
    expect(() => declaredCharset("text/plain; charset=utf-8; charset=utf-16le")).toThrow(/two charsets/);
    expect(() => read(Buffer.from("ab\u0000", "utf16le"), "text/plain; charset=utf-16le")).toThrow(/NUL/);
    expect(() => read(Buffer.from([0x7b, 0, 0x22]), "application/json; charset=utf-16le")).toThrow(/not valid utf-16le/);
  });

  it("labels what the caller gets as UTF-8", () => {
    expect(utf8ContentType("application/json; charset=UTF-16LE")).toBe("application/json; charset=utf-8");
    expect(utf8ContentType('text/event-stream;charset="iso-8859-1"')).toBe("text/event-stream; charset=utf-8");
    expect(utf8ContentType("application/json")).toBe("application/json");
    expect(utf8ContentType("application/json; charset=utf-8")).toBe("application/json; charset=utf-8");
  });
});

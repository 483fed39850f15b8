import { describe, expect, it } from "vitest";
import { decodedSlots } from "./decoded-slots.js";
import { readEncoded } from "./encoded-text.js";
import { type TextSlot, UnmaskableError } from "./text-slot.js";

const b64 = (data: string | Buffer) => Buffer.from(data).toString("base64");
const text = "contact jane.doe@example.com";

describe("base64 read as lenient readers decode it", () => {
  it.each([
    ["clean text", b64(text), text],
    ["line breaks and blanks", b64(text).replace(/(.{6})/g, "$1\n "), text],
    ["no padding", b64(`${text}!`).replace(/=+$/, ""), `${text}!`],
    ["URL-safe", Buffer.from(`${text}??>`).toString("base64url"), `${text}??>`],
    ["a UTF-16 mark", b64(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")])), text],
    ["base64 of base64", b64(b64(text)), text],
    ["DATA: in any case", `DATA:text/plain;base64,${b64(text)}`, text],
    ["a data URL's charset", `data:text/plain;charset=utf-16le;base64,${b64(Buffer.from(text, "utf16le"))}`, text],
    ["a data URL's percent-escapes", `data:text/plain;base64,${b64(text).replace(/b/g, "%62")}`, text],
  ])("%s", (_, value, expected) => {
    expect(readEncoded(value)?.text).toMatchObject({ text: expected, lossy: false });
  });

  it("reads bytes that are no text one character per byte, and writes them back so", () => {
    const bytes = Buffer.from(`${text} caf\xe9\x01`, "latin1");
    const reading = readEncoded(b64(bytes))!.text!;
    expect(reading).toMatchObject({ text: bytes.toString("latin1"), lossy: true });
    expect(Buffer.from(reading.encode(reading.text.replace("jane.doe@example.com", "[EMAIL]")), "base64").toString("latin1")).toBe(`contact [EMAIL] caf\xe9\x01`);
  });

  it("writes text of another charset back as UTF-8, saying so", () => {
    const reading = readEncoded(`data:text/plain;charset=utf-16le;base64,${b64(Buffer.from(text, "utf16le"))}`)!.text!;
    expect(reading.encode("contact [EMAIL]")).toBe(`data:text/plain;charset=utf-8;base64,${b64("contact [EMAIL]")}`);
  });

  it("names media and long payloads that are no text as binary, and does not read media", () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from(text)]);
    expect(readEncoded(`data:image/png;base64,${b64(png)}`)).toEqual({ binary: "data URL image/png" });
    expect(readEncoded(b64(Buffer.from(`${text} \xff ${"x".repeat(300)}`, "latin1")))).toMatchObject({ binary: "base64 payload", text: { lossy: true } });
  });

  it("leaves prose, short words and plain data URLs alone", () => {
    for (const value of ["tell me about the weather today", "shortword", "data:text/plain,jane.doe%40example.com", "the quick brown fox jumps over"]) expect(readEncoded(value)).toBeUndefined();
  });
});

describe("a string read both ways", () => {
  it("refuses a value found in both readings rather than send one unmasked", () => {
    let field = "";
    const value = `4111111111111111${b64(text)}`.slice(0, 40);
    const raw = { text: value, location: "request.x", role: "value" as const, write: (masked: string) => { field = masked; } };
    const slots: TextSlot[] = [];
    decodedSlots(raw, slots);
    expect(slots).toHaveLength(2);
    expect(slots.map((slot) => slot.location)).toEqual(["request.x", "request.x#base64"]);
    slots[0]!.write!("own");
    expect(field).toBe("own");
    expect(() => slots[1]!.write!("decoded")).toThrow(UnmaskableError);
  });
});

describe("a binary payload", () => {
  it("is named as a binary part and not read as text where the caller names parts, and read as written where it does not", () => {
    const png = `data:image/png;base64,${b64(Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(400, 7)]))}`;
    const raw = { text: png, location: "request.image", role: "value" as const };
    const named: TextSlot[] = [];
    const parts: { location: string; kind: string }[] = [];
    decodedSlots(raw, named, parts);
    expect(named).toEqual([]);
    expect(parts).toEqual([{ location: "request.image", kind: "data URL image/png" }]);
    const unnamed: TextSlot[] = [];
    decodedSlots(raw, unnamed);
    expect(unnamed).toEqual([raw]);
  });
});

// readEncoded's readings of short strings, kept by string (encoded-text.ts), against a fresh reading
// of the same string: the same text, loss, binary kind and text written back, first time and
// again from the cache; shared readings cannot be changed.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type EncodedReading, read, readEncoded } from "./encoded-text.js";

const b64 = (text: string) => Buffer.from(text).toString("base64");
const masks = ["", "[EMAIL]", "jane.doe@example.com", "é\u0000\u00ff"];
const shape = (reading: EncodedReading | undefined) =>
  reading && { binary: reading.binary, text: reading.text && { text: reading.text.text, lossy: reading.text.lossy, written: masks.map((mask) => reading.text!.encode(mask)) } };

const bytes = fc.uint8Array({ maxLength: 58 }).map((array) => Buffer.from(array));
const fixed = ["x-stainless-package-version", "x-stainless-runtime-version", "x-stainless-retry-count", "application/json", "OpenAI/JS 4.104.0", "Bearer sk-abc", "abcdefghijklmnopqrstuvwxyz", "contact jane.doe@example.com"];
// Strings one step apart: case, blanks at the ends, the shortest base64 read, nested base64 past the depth read.
const lossy = Buffer.from([0xff, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e]).toString("base64");
const close = [lossy, `${lossy} `, ` ${lossy}`, b64("jane@example.co"), b64("jane@example.c"), b64("Jane.Doe@Example.com"), b64("Jane.Doe@Example.com").toLowerCase(), `${b64("jane.doe@example.com")} `, ` ${b64("jane.doe@example.com")}`, b64(b64(b64("hi jane doe"))), b64(b64(b64(b64("hi jane doe, call me"))))];
const generated = fc.oneof(
  bytes.map((buffer) => buffer.toString("base64")),
  bytes.map((buffer) => buffer.toString("base64url")),
  bytes.map((buffer) => buffer.toString("base64").replace(/=+$/, "").replace(/(.{7})/g, "$1 ")),
  fc.string({ maxLength: 40 }).map((text) => Buffer.from(text).toString("base64")),
  fc.string({ maxLength: 30 }).map((text) => `data:text/plain;base64,${Buffer.from(text).toString("base64")}`),
  fc.string({ maxLength: 30 }).map((text) => Buffer.from(Buffer.from(text).toString("base64")).toString("base64")),
  fc.stringMatching(/^[A-Za-z0-9+/_= -]{0,90}$/),
  fc.string({ maxLength: 90 }),
);
// A pool smaller than the kept readings, so every string is read fresh once and then from the cache.
const pool = [...fixed, ...close, ...fc.sample(generated, { numRuns: 300, seed: 13 })];
const value = fc.constantFrom(...pool);

describe("readEncoded's kept readings", () => {
  it("read as a fresh reading does, first time and again", () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 6 }), (values) => {
        for (const each of [...values, ...values]) expect(shape(readEncoded(each))).toEqual(shape(read(each)));
      }),
      { numRuns: 1000 },
    );
  });

  it("are frozen: no request changes what the next one reads", () => {
    const value = "x-stainless-package-version";
    const reading = readEncoded(value)!;
    expect(readEncoded(value)).toBe(reading);
    expect(() => {
      (reading as { binary?: string }).binary = "changed";
    }).toThrow(TypeError);
    expect(() => {
      (reading.text as { text: string }).text = "changed";
    }).toThrow(TypeError);
    expect(shape(readEncoded(value))).toEqual(shape(read(value)));
  });
});

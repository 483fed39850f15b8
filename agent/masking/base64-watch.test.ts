// Base64 read joined as a field's text grows: text holding a value is refused, binary is a binary
// part however it is cut, prose and hex are neither, and a text stream holds a text-decoding run back.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createBase64Watch } from "./base64-watch.js";
import { createMaskContext } from "./mask-context.js";
import { createTextStream } from "./text-stream.js";
import { rule } from "./test-rules.js";
import { UninspectableReply } from "./uninspectable.js";

const EMAIL = "jane.doe@example.com";
const reply = (allowBinary = false) => createMaskContext([rule({ direction: "response", allowBinary })]).reply;
const b64 = (value: string | Buffer) => Buffer.from(value).toString("base64");
const pieces = (text: string, size: number) => Array.from({ length: Math.ceil(text.length / size) }, (_, at) => text.slice(at * size, at * size + size));
const feed = (list: string[], allowBinary = false) => () => {
  const watch = createBase64Watch(reply(allowBinary), "test");
  for (const piece of list) watch.push(piece);
  watch.end();
};
const wav = (inside = "") => Buffer.concat([Buffer.from("RIFF\0\0\0\0WAVEfmt ", "latin1"), Buffer.alloc(400, 0xa5), Buffer.from(inside), Buffer.alloc(20, 0xa5)]);

describe("base64 watch", () => {
  it("refuses text holding a value, however the base64 is cut", () => {
    for (const size of [1, 3, 5, 7, 64]) expect(feed(pieces(`data:text/plain;base64,${b64(`write to ${EMAIL} now`)}`, size))).toThrow(UninspectableReply);
  });

  it("lets prose, hex digits, base64 of clean text and opaque runs pass", () => {
    expect(feed(pieces("The quick brown fox jumps over the lazy dog, internationalization and supercalifragilistic words", 3))).not.toThrow();
    expect(feed([`sha: ${"0123456789abcdef".repeat(40)}`])).not.toThrow();
    expect(feed(pieces(b64("a clean text with no value in it"), 5))).not.toThrow();
  });

  it("reads hex digits spelling text: a value refuses, however cut; a text run is held; hashes pass", () => {
    const hex = Buffer.from(`write to ${EMAIL} now`).toString("hex");
    for (const size of [1, 3, 7, 64]) expect(feed(pieces(`decode ${hex} please`, size))).toThrow(/hex digits at test spell text holding a value/);
    expect(feed(pieces(`decode ${hex.toUpperCase()} please`, 5))).toThrow(UninspectableReply);
    const watch = createBase64Watch(reply(), "test");
    watch.push(`decode ${Buffer.from("a clean text").toString("hex")}`);
    expect(watch.textRun).toBe(24); // still spelling text: a stream holds it until the run ends
    watch.push(" 3f786850e387550fdab836ed7e6dc881de23001b");
    expect(watch.textRun).toBe(0); // a hash's bytes are no text
    expect(() => watch.end()).not.toThrow();
  });

  it("names binary split into small pieces as a binary part, and reads its printable runs when allowed", () => {
    expect(feed(pieces(b64(wav()), 10))).toThrow(/binary part/);
    expect(feed(pieces(b64(wav()), 10), true)).not.toThrow();
    expect(feed(pieces(b64(wav(` ${EMAIL} `)), 257), true)).toThrow(/holds text with a value/);
  });

  it("holds a run that decodes to text in a text stream until it ends", () => {
    const stream = createTextStream(reply(), "test");
    const payload = b64(`hello ${EMAIL}`);
    let out = stream.push("see ");
    for (const piece of pieces(payload.slice(0, 20), 4)) out = { client: out.client + stream.push(piece).client, record: "" };
    expect(out.client).not.toContain(payload.slice(0, 8));
    expect(() => stream.push(payload.slice(20))).toThrow(UninspectableReply);
  });
});

describe("base64 watch, runs that are no payload", () => {
  it("reads a long run of one letter, a long slug or hex as text, not as a binary part", () => {
    expect(feed(pieces(`${"a".repeat(5000)} end`, 7))).not.toThrow();
    expect(feed([`${"the-flood-goes-on-and-on-".repeat(40)} end`])).not.toThrow();
    expect(feed([`${"0123456789abcdef".repeat(40)}`])).not.toThrow();
  });

  it("still refuses a value hidden in a long run that decodes to bytes with text in them", () => {
    const utf16 = Buffer.concat([Buffer.alloc(300, 0xa5), Buffer.from(`to ${EMAIL} `, "utf16le")]);
    expect(feed(pieces(b64(utf16), 9))).toThrow(UninspectableReply);
    expect(feed(pieces(b64(utf16), 9), true)).toThrow(/holds text with a value/);
  });
});

it("names a payload that varies after a long run of one letter", () => {
  const varied = Buffer.from(Array.from({ length: 600 }, (_, at) => (at * 97 + 13) % 256));
  expect(feed(pieces(`${"A".repeat(400)}${b64(varied)}`, 50))).toThrow(/binary part/);
});

describe("base64 watch, runs told not text early", () => {
  // A run whose first byte cannot open text waits undecoded until it ends or is long enough to be
  // read as binary: the same refusals, binary parts and held runs as decoding every group as it comes.
  it("answers as the eager watch does, whatever the runs and cuts", () => {
    const outcome = (pieces: string[], allowBinary: boolean, eager: boolean) => {
      const context = createMaskContext([rule({ direction: "response", allowBinary })]);
      const watch = createBase64Watch(context.reply, "test", eager);
      const runs: number[] = [];
      try {
        for (const piece of pieces) {
          watch.push(piece);
          runs.push(watch.textRun);
        }
        watch.end();
        return { runs, findings: context.counter.list() };
      } catch (error) {
        return { error: String(error), runs, findings: context.counter.list() };
      }
    };
    const url = (text: string, urlSafe: boolean) => (urlSafe ? text.replaceAll("+", "-").replaceAll("/", "_") : text);
    const fragment = fc.oneof(
      fc.constantFrom("renewals ", "internationalization ", "Noted: ", EMAIL, " ", "\n", "0123456789abcdef".repeat(20), "a".repeat(300)),
      fc.string({ unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/-_ =".split("")), maxLength: 40 }),
      fc.tuple(fc.constantFrom(`write to ${EMAIL} now`, "clean text only", "ünïcödé é"), fc.boolean()).map(([text, urlSafe]) => url(b64(text), urlSafe)),
      fc.uint8Array({ minLength: 1, maxLength: 400 }).map((bytes) => b64(Buffer.from(bytes))),
      fc.tuple(fc.integer({ min: 0, max: 200 }), fc.constantFrom(` ${EMAIL} `, " plain words "), fc.integer({ min: 0, max: 400 }), fc.constantFrom(0xa5, 0x01, 0xff, 0x41), fc.boolean())
        .map(([before, value, after, fill, urlSafe]) => url(b64(Buffer.concat([Buffer.alloc(before, fill), Buffer.from(value), Buffer.alloc(after, fill ^ 0x5a)])), urlSafe)),
    );
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 6 }), fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 5 }), fc.boolean(), (fragments, sizes, allowBinary) => {
        const text = fragments.join("");
        const cut: string[] = [];
        for (let at = 0, index = 0; at < text.length; index++) {
          const size = sizes[index % sizes.length]!;
          cut.push(text.slice(at, at + size));
          at += size;
        }
        expect(outcome(cut, allowBinary, false)).toEqual(outcome(cut, allowBinary, true));
      }),
      { numRuns: 4000 },
    );
  });
});

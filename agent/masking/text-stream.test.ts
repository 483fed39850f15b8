// A text masked as a stream, in pieces of any size, comes out exactly as the whole text masked at
// once (same markers, same placeholders, same counts), for plain text and for JSON text.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BUILTIN_DETECTORS, compileDetectors } from "../../core/detectors/compile-detectors.js";
import { createJsonTextStream } from "./json-text-stream.js";
import { createMaskContext } from "./mask-context.js";
import { createTextStream } from "./text-stream.js";
import { rule } from "./test-rules.js";

const detectors = compileDetectors({ builtins: BUILTIN_DETECTORS, patterns: ["\\bPRJ-\\d{4}\\b"], words: ["Project Falcon"], phoneRegion: "US" });
const values = ["jane.doe@example.com", "+44 20 7946 0958", "(415) 555-2671", "4111 1111 1111 1111", "123-45-6789", "10.0.0.7", "PRJ-1234", "project  falcon", "<EMAIL_1>", "<EMAIL_", "sk-proj-Ab3dEfGhIjKlMnOpQrStUvWxYz0123456789"];
// Values written with the escapes the detectors decode: a stream cut inside an escape (`%4`, `\\u00`, `&#6`) must hold it whole.
const escaped = ["jane.doe<b></b>@example.com", "jane.doe<!-- x -->@exa<i>mple</i>.com", "jane.doe**@**exa`mple`.com", "jane.doe%40example.com", "jane.doe%EF%BC%A0example.com", "jane.doe\\u0040example.com", "jane.doe\\u{40}example.com", "jane.doe\\x40example.com", "jane.doe&#64;example.com", "jane.doe&#x40;example.com", "jane.doe&#64example.com", "jane.doe@exa&shymple.com", "jane.doe<![CDATA[@]]>example.com", "jane.doe\\100example.com", "jane.doe\\U00000040example.com", "jane.doe\\N{COMMERCIAL AT}example.com", "jane.doe\\40 example\\2e com", "jane.doe\\000040example.com"];
const filler = ["the", "order", "1234", "v1.2.3", ",", ".", "\n", "é", "😀", "<", ">", "\"", "\\", "ext."];
const text = fc.array(fc.oneof(fc.constantFrom(...values, ...escaped), fc.constantFrom(...filler)), { maxLength: 40 }).map((parts) => parts.join(" "));

function cut(whole: string, sizes: number[]): string[] {
  const pieces: string[] = [];
  let at = 0;
  for (let index = 0; at < whole.length; index++) {
    const size = sizes[index % sizes.length];
    pieces.push(whole.slice(at, at + size));
    at += size;
  }
  return pieces;
}

// A session whose table already holds <EMAIL_1> (restorable), as after masking a request.
function context(style: "redact" | "pseudonymize") {
  const masking = createMaskContext([rule({ detectors, style, restore: true })]);
  masking.prompt.mask("from jane.doe@example.com", "request.input");
  return masking;
}

describe("text streams", () => {
  for (const style of ["redact", "pseudonymize"] as const) {
    it(`${style}: streamed in pieces of any size equals the whole text masked at once`, () => {
      fc.assert(
        fc.property(text, fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 }), (whole, sizes) => {
          const expected = context(style);
          const want = expected.reply.mask(whole, "x");
          const actual = context(style);
          const stream = createTextStream(actual.reply, "x");
          let client = "";
          let record = "";
          for (const piece of cut(whole, sizes)) {
            const out = stream.push(piece);
            client += out.client;
            record += out.record;
          }
          const tail = stream.flush();
          expect({ client: client + tail.client, record: record + tail.record }).toEqual(want);
          expect(stream.emitted).toEqual(want);
          expect(actual.counter.list()).toEqual(expected.counter.list());
        }),
        { numRuns: 40 },
      );
    });
  }

  it("masks overlapping findings as one span, whole and one character at a time (an SSN glued to a card's digit chain)", () => {
    const whole = "123-45-6789 😀 4111 1111 1111 1111 ok";
    const want = context("redact").reply.mask(whole, "x").client;
    expect(want).not.toMatch(/\d/);
    expect(want.endsWith(" ok")).toBe(true);
    const stream = createTextStream(context("redact").reply, "x");
    let out = "";
    for (const char of whole.match(/./gsu)!) out += stream.push(char).client;
    expect(out + stream.flush().client).toBe(want);
  });

  it("never releases part of an escape: a value written with escapes is masked whole wherever the pieces are cut", () => {
    // Both the full set and email + phone alone (the held tail depends on the detectors' alphabets).
    for (const masking of [() => context("redact"), () => createMaskContext([rule()])]) {
      for (const value of escaped) {
        const whole = `mail ${value} now`;
        const want = masking().reply.mask(whole, "x").client;
        expect(want).not.toContain("jane");
        for (let at = 1; at < whole.length; at++) {
          const stream = createTextStream(masking().reply, "x");
          const out = stream.push(whole.slice(0, at)).client + stream.push(whole.slice(at)).client + stream.flush().client;
          expect(out, `${whole} cut at ${at}`).toBe(want);
        }
      }
    }
  });

  it("JSON text: streamed in pieces of any size stays JSON with every string masked", () => {
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 4 }), fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 5 }), (strings, sizes) => {
        const masking = context("redact");
        const original = JSON.stringify({ args: strings, n: 12, ok: true });
        const stream = createJsonTextStream(masking.reply, "x");
        let out = "";
        for (const piece of cut(original, sizes)) out += stream.push(piece).client;
        out += stream.flush().client;
        const parsed = JSON.parse(out);
        expect(parsed.n).toBe(12);
        expect(parsed.args).toEqual(strings.map((value) => context("redact").reply.mask(value, "x").client));
      }),
      { numRuns: 40 },
    );
  });

  it("scans a long held tail (a private key block in 1-character deltas) in linear total work", () => {
    const secrets = compileDetectors({ builtins: ["secrets"], patterns: [], words: [] });
    let scanned = 0;
    const counting = { ...secrets, detectors: secrets.detectors.map((detector) => ({ ...detector, find: (text: string) => { scanned += text.length; return detector.find(text); } })) };
    const masking = createMaskContext([rule({ detectors: counting })]);
    const body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7".repeat(60).match(/.{1,64}/g)?.join("\n");
    const key = `Here:\n-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\nbye`;
    const stream = createTextStream(masking.reply, "x");
    let out = "";
    for (const char of key) out += stream.push(char).client;
    out += stream.flush().client;
    expect(out).toBe("Here:\n[SECRET]\nbye");
    expect(scanned).toBeLessThan(key.length * 40); // rescanning the held block per character: ~key.length² / 2
  });

  it("holds back about a word of prose, and all of a value still arriving", () => {
    const masking = context("redact");
    const stream = createTextStream(masking.reply, "x");
    // "to " may still be the local part of "to [at] example dot com": it waits for the next word.
    expect(stream.push("The quarterly budget is fine; write to ").client).toBe("The quarterly budget is fine; write ");
    expect(stream.push("jane.doe@exa").client).toBe("to "); // a space may still be inside a phone number, not before a letter
    expect(stream.push("mple.com now").client).toBe("[EMAIL] ");
    expect(stream.flush().client).toBe("now");
  });
});

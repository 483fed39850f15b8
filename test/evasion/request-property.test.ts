// Property: whatever JSON shape a request has, wherever a value or a keyword sits in it (a value, a
// key, JSON in a string, base64 text, split over neighbouring content parts), however it is written
// (look-alike forms) and however the body is encoded (compression, charset), the provider never
// reads the value and a keyword is denied. Through one real agent and a lenient stand-in provider.
import { brotliCompressSync, deflateSync, gzipSync, zstdCompressSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { leakedValues } from "./client-view.js";
import { inProviderFormat, providerViews, startRequestBed, type RequestBed } from "./request-bed.js";
import { CARD, EMAIL, KEYWORD, PHONE } from "./request-corpus.js";

let bed: RequestBed;
beforeAll(async () => {
  bed = await startRequestBed();
}, 60_000);
afterAll(() => bed?.close());

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

// Secrets and ways of writing them that a reader still reads as them.
const secrets = [
  { value: EMAIL, forms: [EMAIL, "ｊａｎｅ．ｄｏｅ＠ｅｘａｍｐｌｅ．ｃｏｍ", "jane.d\u200boe@example.com", "jane.doe%40example.com", "JANE.DOE@EXAMPLE.COM"] },
  { value: CARD, forms: [CARD, "4111-1111-1111-1111", "4111.1111.1111.1111", "4111\u00a01111\u00a01111\u00a01111", "４１１１ １１１１ １１１１ １１１１"] },
  { value: PHONE, forms: [PHONE, "(415) 555-0133", "415.555.0133", "+1 415 555 0133"] },
];
const keywordForms = [KEYWORD, "PROJECT-NIGHTINGALE", "prоject nightingаle", "project\u200b nightin\u00adgale", "pr0ject_n1ghtingale"];

// Filler without digits or '@', so that nothing but the planted value can look like one.
const word = fc.constantFrom("hello", "summary", "role", "text", "content", "notes", "alpha", "the quick fox", "input", "parts", "tool", "x");
const key = fc.oneof(word, fc.constantFrom("messages", "content", "input", "system", "tools", "metadata", "type", "arguments", "data", "value"));
const { shape } = fc.letrec<{ shape: Json }>((tie) => ({
  shape: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    word,
    fc.integer({ min: 0, max: 9999 }),
    fc.boolean(),
    fc.array(tie("shape"), { maxLength: 4 }),
    fc.dictionary(key, tie("shape"), { maxKeys: 4 }),
  ),
}));

type Placement = "value" | "key" | "json-in-string" | "base64" | "split-parts" | "split-strings";
const placement = fc.constantFrom<Placement>("value", "key", "json-in-string", "base64", "split-parts", "split-strings");

// `text` planted into `into` at a position chosen by `seed`, as `how` says.
function plant(into: Json, text: string, how: Placement, seed: number, cut: number): Json {
  const at = Math.max(1, Math.min(text.length - 1, cut % text.length));
  const piece: Json =
    how === "value" ? `note: ${text} end`
    : how === "key" ? { [text]: "x" }
    : how === "json-in-string" ? JSON.stringify({ q: text })
    : how === "base64" ? Buffer.from(`about ${text} now`).toString("base64")
    : how === "split-parts" ? [{ type: "text", text: `see ${text.slice(0, at)}` }, { type: "text", text: `${text.slice(at)} ok` }]
    : [`see ${text.slice(0, at)}`, `${text.slice(at)} ok`];
  // Walk down `into` by the seed and put the piece in the first container found (or wrap).
  let container: Json = into;
  let rest = seed;
  for (;;) {
    if (Array.isArray(container)) {
      const children = container.filter((child) => typeof child === "object" && child !== null);
      if (children.length === 0 || rest % 3 === 0) {
        container.splice(rest % (container.length + 1), 0, piece);
        return into;
      }
      container = children[rest % children.length]!;
    } else if (typeof container === "object" && container !== null) {
      const keys = Object.keys(container).filter((name) => typeof (container as Record<string, Json>)[name] === "object" && (container as Record<string, Json>)[name] !== null);
      if (keys.length === 0 || rest % 3 === 0) {
        (container as Record<string, Json>)[`planted${rest % 7}`] = piece;
        return into;
      }
      container = (container as Record<string, Json>)[keys[rest % keys.length]!]!;
    } else {
      return { wrapped: into, planted: piece };
    }
    rest = Math.floor(rest / 3) + 1;
  }
}

const encodings: Record<string, ((body: Buffer) => Buffer) | undefined> = { identity: undefined, gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync, zstd: zstdCompressSync };
const charsets = ["utf-8", "utf-16le", "iso-8859-1"] as const;

function encode(text: string, charset: (typeof charsets)[number], coding: string): { body: Buffer; headers: Record<string, string> } | undefined {
  // Latin-1 cannot carry every character: such a draw is sent as UTF-8.
  const latin1 = charset === "iso-8859-1" && ![...text].some((char) => char.charCodeAt(0) > 0xff);
  const chosen = charset === "iso-8859-1" && !latin1 ? "utf-8" : charset;
  let body: Buffer = chosen === "utf-16le" ? Buffer.from(text, "utf16le") : chosen === "iso-8859-1" ? Buffer.from(text, "latin1") : Buffer.from(text, "utf8");
  const compress = encodings[coding];
  if (compress) body = compress(body);
  return { body, headers: { "content-type": `application/json; charset=${chosen}`, ...(compress ? { "content-encoding": coding } : {}) } };
}

const runs = Number(process.env.FUZZ_RUNS ?? 60);

describe("request-side evasion property", () => {
  it("no planted value is readable upstream, whatever the shape, placement, form and encoding", async () => {
    await fc.assert(
      fc.asyncProperty(shape, fc.constantFrom(...secrets), fc.nat(), placement, fc.nat(), fc.nat(), fc.constantFrom(...charsets), fc.constantFrom(...Object.keys(encodings)), fc.boolean(),
        async (envelope, secret, form, how, seed, cut, charset, coding, anthropic) => {
          const text = secret.forms[form % secret.forms.length]!;
          const document = { model: "m", messages: [{ role: "user", content: "hi" }], extra: plant(structuredClone(envelope), text, how, seed, cut) };
          const request = encode(JSON.stringify(document), charset, coding)!;
          const sent = await bed.send(anthropic ? "claude" : "openai", anthropic ? "/v1/messages" : "/v1/chat/completions", request);
          if (sent.received) {
            expect(leakedValues(providerViews(sent.received), [secret.value])).toEqual([]);
          } else {
            // Refused (two keys masked into one): in the provider's format, never a 5xx.
            expect(sent.status).toBe(400);
            expect(inProviderFormat(anthropic ? "claude" : "openai", sent.answer)).toBe(true);
          }
        }),
      { numRuns: runs },
    );
  });

  it("a planted keyword is denied, whatever the shape, placement, form and encoding", async () => {
    await fc.assert(
      fc.asyncProperty(shape, fc.nat(), placement, fc.nat(), fc.nat(), fc.constantFrom(...charsets), fc.constantFrom(...Object.keys(encodings)), async (envelope, form, how, seed, cut, charset, coding) => {
        const text = keywordForms[form % keywordForms.length]!;
        // A keyword split inside a word is a keyword split over two strings only at its space.
        const at = how.startsWith("split") ? text.search(/[\s_-]/) + 1 || cut : cut;
        const document = { model: "m", messages: [{ role: "user", content: "hi" }], extra: plant(structuredClone(envelope), text, how, seed, at) };
        const sent = await bed.send("openai", "/v1/chat/completions", encode(JSON.stringify(document), charset, coding)!);
        expect(sent.received).toBeUndefined();
        expect(sent.status).toBe(403);
      }),
      { numRuns: runs },
    );
  });
});

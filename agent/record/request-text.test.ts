// The record reads the request body's text from the canonical body (handle-request.ts passes
// canonical.text to recorder.request) and does not decode the forwarded bytes again when they are
// the bytes it read: both give what decoding every body did.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Exchange, Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { canonicalBody } from "../inspection/canonical-body.js";
import { generic } from "../providers/generic.js";
import { openai } from "../providers/openai.js";
import { startExchangeRecorder } from "./exchange-recorder.js";
import { cutText } from "./text-capture.js";

const unicodeText = fc.string({ unit: fc.oneof(fc.constantFrom("a", "{", "\"", "é", "€", "😀", "\u0000", "\ufeff", " ", "\\"), fc.constantFrom("\ud800", "\udc00")), maxLength: 40 });
const encodings = ["utf-8", "utf-8 bom", "utf-16le", "utf-16le bom", "windows-1252", "raw"] as const;

function encoded(text: string, encoding: (typeof encodings)[number], raw: Uint8Array): Buffer {
  switch (encoding) {
    case "utf-8": return Buffer.from(text, "utf8");
    case "utf-8 bom": return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, "utf8")]);
    case "utf-16le": return Buffer.from(text, "utf16le");
    case "utf-16le bom": return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
    case "windows-1252": return Buffer.from(text.replace(/[\u0100-\uffff]/g, "?"), "latin1");
    case "raw": return Buffer.from(raw);
  }
}

describe("the canonical body's text", () => {
  it("is its bytes read as UTF-8, whatever the body, charset and form", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(unicodeText.map((text) => JSON.stringify({ model: "m", messages: [{ role: "user", content: text }] })), unicodeText, unicodeText.map((text) => `a=${text.isWellFormed() ? encodeURIComponent(text) : "x"}&b=${text}`), unicodeText.map((text) => `{"a":1}\n{"b":${JSON.stringify(text)}}\n`)),
        fc.constantFrom(...encodings),
        fc.uint8Array({ maxLength: 20 }),
        fc.constantFrom(undefined, "application/json", "text/plain", "application/x-www-form-urlencoded", "application/x-ndjson"),
        fc.constantFrom(undefined, "utf-8", "utf-16le", "windows-1252"),
        fc.constantFrom(openai.requestBodies, generic.requestBodies),
        async (text, encoding, raw, type, charset, rules) => {
          const headers = type === undefined ? {} : { "content-type": charset === undefined ? type : `${type}; charset=${charset}` };
          const result = await canonicalBody(encoded(text, encoding, raw), headers, "/v1/chat/completions", rules, 1 << 20);
          if (!result.ok || result.body.text === undefined) return;
          expect(result.body.bytes.toString("utf8")).toBe(result.body.text);
        },
      ),
      { numRuns: 1500 },
    );
  });
});

/** What the record kept of the request body before: every body given decoded (request(), then each masked protection()). */
function previousRequestBody(body: Uint8Array, calls: readonly { record: "masked" | "raw" | "none"; forwarded?: Uint8Array }[], limit: number) {
  let kept = cutText(body, limit);
  for (const { record, forwarded } of calls) if (record === "masked" && forwarded) kept = cutText(forwarded, limit);
  return kept;
}

describe("the recorded request body", () => {
  it("is what decoding every body gave, with the text given and the forwarded bytes the same object or not", () => {
    fc.assert(
      fc.property(unicodeText.filter((text) => text.isWellFormed()), unicodeText.filter((text) => text.isWellFormed()), fc.integer({ min: 1, max: 60 }), fc.boolean(), fc.array(fc.record({ record: fc.constantFrom("masked", "raw", "masked"), which: fc.constantFrom("same", "copy", "other", "none") }), { maxLength: 3 }), (text, other, limit, given, steps) => {
        const body = Buffer.from(text, "utf8");
        const otherBytes = Buffer.from(other, "utf8");
        const calls = steps.map(({ record, which }) => ({ record: record as "masked" | "raw", forwarded: which === "same" ? body : which === "copy" ? Buffer.from(body) : which === "other" ? otherBytes : undefined }));
        const committed: Exchange[] = [];
        const rec = startExchangeRecorder({ id: "i", method: "POST", path: "/", recordLimit: limit, slot: { commit: (exchange) => committed.push(exchange), release: () => {} } });
        rec.request(body, { model: "m", stream: false } as never, given ? text : undefined);
        for (const call of calls) rec.protection({ record: call.record, masks: [], forwarded: call.forwarded });
        rec.finish({ status: 200, verdict: Verdict.ALLOWED });
        const expected = previousRequestBody(body, calls, limit);
        expect({ text: committed[0]!.requestBody, truncated: committed[0]!.requestTruncated }).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

// The inspected reply's headers in one copy (callerHeaders) against the previous shaping (a spread
// copy masked, its content type made UTF-8, both lengths read and deleted), and the reply's form
// told from its first byte against sniff().
import type { OutgoingHttpHeaders } from "node:http";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileDetectors } from "../../core/detectors/compile-detectors.js";
import { createMaskSession } from "../masking/mask-session.js";
import { callerHeaders, opensDocument, sniff } from "./relay-inspected.js";
import { utf8ContentType } from "./reply-charset.js";

const detectors = compileDetectors({ builtins: ["email", "phone", "payment-card", "secrets"], patterns: [], words: [] });
const rules = [{ policy: "mask", detectors, direction: "both" as const, style: "redact" as const, restore: false }];

function previous(masking: ReturnType<typeof createMaskSession>, given: OutgoingHttpHeaders, codings: readonly string[]) {
  const headers = masking.maskHeaders({ ...given });
  if (typeof headers["content-type"] === "string") headers["content-type"] = utf8ContentType(headers["content-type"]);
  const upstreamLength = codings.length === 0 && headers["content-length"] !== undefined ? String(headers["content-length"]) : undefined;
  delete headers["content-encoding"];
  delete headers["content-length"];
  return { headers, upstreamLength };
}

const name = fc.constantFrom("content-type", "content-length", "content-encoding", "date", "x-request-id", "x-owner", "set-cookie", "123");
const value = fc.oneof(
  fc.constantFrom("application/json", "application/json; charset=latin1", "text/plain; charset=utf-8", "300", "gzip", "Mon, 07 Dec 2026 12:00:00 GMT", "jane.doe@example.com", "4111 1111 1111 1111", "+44 20 7946 0958"),
  fc.string({ maxLength: 12 }),
  fc.array(fc.constantFrom("a=1", "jane@example.com"), { maxLength: 2 }),
);

describe("callerHeaders", () => {
  it("gives the previous shaping's headers and length, and leaves the given headers as they were", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(name, value), { maxLength: 8 }), fc.constantFrom([], ["gzip"]), (entries, codings) => {
        const given: Record<string, string | string[]> = {};
        for (const [key, item] of entries) given[key] = item;
        const before = structuredClone(given);
        const ours = callerHeaders(createMaskSession("openai", "/chat/completions", rules), given, codings);
        const reference = previous(createMaskSession("openai", "/chat/completions", rules), given, codings);
        expect(Reflect.ownKeys(ours.headers)).toEqual(Reflect.ownKeys(reference.headers));
        expect(ours.headers).toStrictEqual(reference.headers);
        expect(ours.upstreamLength).toBe(reference.upstreamLength);
        expect(given).toStrictEqual(before);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("opensDocument", () => {
  it("says yes only where sniff() says whole from the first character", () => {
    const byte = fc.constantFrom(0x7b, 0x5b, 0x20, 0x0a, 0xef, 0xbb, 0xbf, 0x64, 0x3a, 0xc2, 0xa0, 0x7d);
    fc.assert(
      fc.property(fc.array(byte, { minLength: 1, maxLength: 8 }), fc.constantFrom("application/json", "text/event-stream", ""), (bytes, contentType) => {
        const head = Buffer.from(bytes);
        if (opensDocument(head)) expect(sniff(head.toString("utf8"), contentType)).toBe("whole");
      }),
      { numRuns: 3000 },
    );
  });
});

// The Content-Type read once per header value (canonical-body.ts) against a fresh MIMEType parse of
// it: the same essence, charset and refusal, and the same rewritten type, whether cached or not.
import { MIMEType } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mediaType, relabelledUtf8, utf8Type } from "./canonical-body.js";

const fresh = (header: string | undefined) => {
  if (header === undefined || header.trim() === "") return undefined;
  try {
    const type = new MIMEType(header);
    const read = { essence: type.essence, charset: type.params.get("charset") ?? undefined, has: type.params.has("charset") };
    type.params.set("charset", "utf-8");
    return { ...read, rewritten: type.toString() };
  } catch {
    return "invalid" as const;
  }
};

// Headers from a few dozen (fewer than the cache keeps, so repeats are read from it): charset
// present, absent, empty, quoted, repeated, in either case; types invalid, blank or odd.
const known = [
  ...["application/json", "Application/JSON", "text/plain", "multipart/form-data; boundary=Xy", "application/vnd.api+json"].flatMap((type) => [
    type,
    `${type}; charset=UTF-8`,
    `${type}; charset=utf-8`,
    `${type}; CharSet="latin1"`,
    `${type};charset=utf-8`,
    `${type}; CharSet="Latin1"`,
    `${type}; charset=""`,
    `${type}; charset=latin1; charset=utf-8`,
  ]),
  "",
  "  ",
  "application",
  "application/json; charset",
  "text/plain; x=é",
  "é/json",
  " application/json ",
];
const header = fc.oneof(fc.constantFrom(...known), fc.constant(undefined));
const anyHeader = fc.oneof(fc.string({ maxLength: 30 }), fc.array(fc.constantFrom("text/plain", ";", " ", "=", '"', "charset", "UTF-8", "\\", "é"), { maxLength: 8 }).map((pieces) => pieces.join("")));

describe("mediaType", () => {
  it("reads every Content-Type as a fresh MIMEType parse does, first time and cached", () => {
    fc.assert(
      fc.property(fc.array(header, { minLength: 1, maxLength: 8 }), fc.boolean(), (headers, changed) => {
        for (const each of [...headers, ...headers]) {
          const want = fresh(each);
          const got = mediaType(each);
          if (want === undefined || want === "invalid") {
            expect(got).toBe(want);
            continue;
          }
          expect(got).toEqual({ essence: want.essence, charset: want.charset });
          expect(utf8Type(each, got as Exclude<typeof got, "invalid">, changed)).toBe(changed && want.has ? want.rewritten : undefined);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("reads any other header as a fresh MIMEType parse does", () => {
    fc.assert(
      fc.property(anyHeader, fc.boolean(), (each, changed) => {
        const want = fresh(each);
        const got = mediaType(each);
        if (want === undefined || want === "invalid") expect(got).toBe(want);
        else {
          expect(got).toEqual({ essence: want.essence, charset: want.charset });
          expect(utf8Type(each, got as Exclude<typeof got, "invalid">, changed)).toBe(changed && want.has ? want.rewritten : undefined);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("shares no rewritten type between bodies", () => {
    const type = mediaType("text/plain; charset=latin1");
    expect(type).toEqual({ essence: "text/plain", charset: "latin1" });
    expect(utf8Type("text/plain; charset=latin1", type as Exclude<typeof type, "invalid" | undefined>, true)).toBe("text/plain;charset=utf-8");
    expect(mediaType("text/plain; charset=latin1")).toEqual({ essence: "text/plain", charset: "latin1" });
  });

  it("relabels a masked header UTF-8, its other parameters as masked; an unparsable one as the body's plain type", () => {
    expect(relabelledUtf8('application/json; charset=utf-16le; note="[EMAIL]"', "json")).toBe('application/json;charset=utf-8;note="[EMAIL]"');
    expect(relabelledUtf8("text/[PAYMENT_CARD]; charset=latin1", "text")).toBe("text/plain;charset=utf-8");
    expect(relabelledUtf8("application/[X]; charset=latin1", "jsonl")).toBe("application/json;charset=utf-8");
    expect(relabelledUtf8("application/[X]; charset=latin1", "form")).toBe("application/x-www-form-urlencoded;charset=utf-8");
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findPhoneNumbersInText } from "libphonenumber-js/max";
import { phoneDetector } from "./phone.js";
import { checkCorpus, checkHold } from "./test-corpus.js";

const international = phoneDetector();
const us = phoneDetector({ region: "US" });

const lookAlikes = [
  "order 1234567890", "v1.2.3", "2024-01-15", "15/01/2024", "123e4567-e89b-12d3-a456-426614174000", "4111 1111 1111 1111",
  "123-45-6789", "+12345", "192.168.1.10", "ISBN 978-3-16-148410-0", "10:30:45", "3.14159265", "+1 111 111 1111",
];

describe("phone detector", () => {
  it("finds international numbers in many countries' formats without a region", () => {
    checkCorpus(
      international,
      [
        "+1 415-555-2671", "+1 (415) 555-2671", "+14155552671", "+44 20 7946 0958", "+44 (0)20 7946 0958", "+49 30 901820",
        "+33 1 42 68 53 00", "+7 (800) 555-35-35", "+91 98765 43210", "+81 3-1234-5678", "+61 2 9876 5432", "+55 11 91234-5678",
        "+1.415.555.2671",
      ],
      [...lookAlikes, "(415) 555-2671", "415-555-2671", "020 7946 0958"],
    );
  });

  it("finds national numbers of the configured region only", () => {
    checkCorpus(us, ["(415) 555-2671", "415-555-2671", "415.555.2671", "+44 20 7946 0958"], [...lookAlikes, "020 7946 0958"]);
  });

  it("finds a number with digits around it, not a national number inside a longer run (red team M3)", () => {
    const found = (detector: typeof us, text: string) => detector.find(text).map((finding) => finding.value);
    expect(found(international, "call +1 415 555 0133 12 now")).toEqual(["+1 415 555 0133"]);
    expect(found(international, "call +1415555013312")).toEqual(["+14155550133"]);
    expect(found(us, "call (415) 555-0133 12")).toEqual(["(415) 555-0133"]);
    expect(found(us, "ref 12 415 555 0133")).toEqual(["415 555 0133"]);
    expect(found(us, "order 41555501331234")).toEqual([]);
    checkHold(us, "call +1 415 555 0133 12 or (415) 555-0133 7 and +1415555013312 done");
  });

  it("includes an extension", () => {
    expect(us.find("call (213) 373-4253 ext. 1234 now").map((finding) => finding.value)).toEqual(["(213) 373-4253 ext. 1234"]);
  });

  it("finds what the library finds in the whole text (the windows lose nothing)", () => {
    const text = [
      "Support: +7 (800) 555-35-35, local (213) 373-4253 ext. 1234; order 1234567890 on 2024-01-15.",
      "x".repeat(300), "Mobile +44 7911 123456 or +49 151 23456789 and 12 apples for 3.50 at 10:30.",
      "id-2133734253-z and tel:+14155552671, fax 415 555 2671.",
    ].join(" ");
    const expected = findPhoneNumbersInText(text, { defaultCountry: "US" }).map((found) => [found.startsAt, found.endsAt]);
    expect(expected.length).toBeGreaterThan(4);
    expect(us.find(text).map((finding) => [finding.start, finding.end])).toEqual(expected);
  });

  it("answers a text seen before (its clean-text memo) exactly as a fresh detector does", () => {
    const remembering = phoneDetector({ region: "US" });
    const date = "Mon, 07 Dec 2026 00:15:48 GMT"; // a candidate ("2026 00") the library rejects
    expect(remembering.find(date)).toEqual([]);
    expect(remembering.find(date)).toEqual([]);
    const pieces = fc.constantFrom("(213) 373-4253", "+44 7911 123456", "2026 00:15", "415 555", "12 34 56", " ", "x", "-", "ext. 12", "+", "9");
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 12 }).map((parts) => parts.join("")), (text) => {
        const first = remembering.find(text);
        expect(remembering.find(text)).toEqual(first);
        expect(first).toEqual(phoneDetector({ region: "US" }).find(text));
      }),
      { numRuns: 150 },
    );
  });

  it("refuses an unknown region", () => {
    expect(() => phoneDetector({ region: "ZZ" })).toThrow(/unknown region/);
  });

  it("keeps a stream's findings final before the hold", () => {
    checkHold(us, "call +44 20 7946 0958 or (415) 555-2671, order 1234567890 and +1 415 555 2671 ext. 12 or (213) 373-4253 ext 9");
  });
});

describe("phone detector budget", () => {
  it("reports candidates unverified, failing closed, once the library budget is spent", () => {
    const spent = phoneDetector({ region: "US", budgetMsPerMb: 0 });
    expect(spent.find("call (415) 555-2671 or 1.1.1.1, v1.2.3").map((finding) => [finding.kind, finding.value])).toEqual([["unverified", "(415) 555-2671"]]);
  });

  it("stays bounded on text made of short digit groups", () => {
    const text = "12.".repeat(20_000);
    const findings = us.find(text);
    expect(findings.every((finding) => text.slice(finding.start, finding.end) === finding.value)).toBe(true);
  });
});

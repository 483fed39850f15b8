import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BUILTIN_DETECTORS, compileDetectors } from "./compile-detectors.js";
import { checkHold } from "./test-corpus.js";

const all = compileDetectors({ builtins: BUILTIN_DETECTORS, patterns: ["\\bticket-\\d{4}\\b"], words: ["Project Falcon"], phoneRegion: "US" });

const prompt = [
  "Hi, I'm Jane (jane.doe@example.com, +44 20 7946 0958, (415) 555-2671). Card 4111 1111 1111 1111,",
  "IBAN DE89 3704 0044 0532 0130 00, SSN 123-45-6789, server 10.0.0.7 and 2001:db8::1.",
  "Key sk-proj-Ab3dEfGhIjKlMnOpQrStUvWxYz0123456789 for Project Falcon, see ticket-1234.",
  "Not PII: order 1234567890, v1.2.3, 2024-01-15, 123e4567-e89b-12d3-a456-426614174000, 256.1.1.1.",
].join("\n");

describe("compileDetectors", () => {
  it("merges every detector's findings, sorted and without overlaps", () => {
    const findings = all.find(prompt);
    expect(findings.map((finding) => [finding.detector, finding.value])).toEqual([
      ["email", "jane.doe@example.com"],
      ["phone", "+44 20 7946 0958"],
      ["phone", "(415) 555-2671"],
      ["payment-card", "4111 1111 1111 1111"],
      ["iban", "DE89 3704 0044 0532 0130 00"],
      ["us-ssn", "123-45-6789"],
      ["ip-address", "10.0.0.7"],
      ["ip-address", "2001:db8::1"],
      ["secrets", "sk-proj-Ab3dEfGhIjKlMnOpQrStUvWxYz0123456789"],
      ["word", "Project Falcon"],
      ["pattern", "ticket-1234"],
    ]);
    for (const finding of findings) expect(prompt.slice(finding.start, finding.end)).toBe(finding.value);
  });

  it("resolves overlaps into one span covering them all, named by the longest, then the earliest", () => {
    const overlapping = compileDetectors({ builtins: ["us-ssn"], patterns: ["\\d{3}-\\d{2}", "45-6789 xyz!"], words: [] });
    expect(overlapping.find("a 123-45-6789 b").map((finding) => [finding.detector, finding.value])).toEqual([["us-ssn", "123-45-6789"]]);
    expect(overlapping.find("a 123-45-6789 xyz!").map((finding) => [finding.kind, finding.value])).toEqual([["pattern-2", "123-45-6789 xyz!"]]);
    const tie = compileDetectors({ builtins: [], patterns: ["abc", "bcd"], words: [] });
    expect(tie.find("abcd").map((finding) => [finding.kind, finding.value])).toEqual([["pattern-1", "abcd"]]);
    expect(tie.find("abc bcd").map((finding) => finding.value)).toEqual(["abc", "bcd"]);
  });

  it("refuses unknown detectors and bad regions", () => {
    expect(() => compileDetectors({ builtins: ["email", "passport"], patterns: [], words: [] })).toThrow(/unknown detector "passport"/);
    expect(() => compileDetectors({ builtins: ["phone"], patterns: [], words: [], phoneRegion: "XX" })).toThrow(/unknown region/);
  });

  it("compiles nothing into a detector set that finds and holds nothing", () => {
    const none = compileDetectors({ builtins: [], patterns: [], words: [] });
    expect(none.find(prompt)).toEqual([]);
    expect(none.holdFrom("abc")).toBe(3);
    expect(none.maxHoldBack).toBe(0);
  });

  it("keeps a stream's findings final before the merged hold", () => {
    const builtinsOnly = compileDetectors({ builtins: BUILTIN_DETECTORS, patterns: [], words: ["Project Falcon"], phoneRegion: "US" });
    checkHold(builtinsOnly, prompt.slice(0, 300));
    expect(builtinsOnly.maxHoldBack).toBeGreaterThanOrEqual(16_384);
    // Punctuation may separate a card's digit groups, but a card starts with a digit: nothing held.
    expect(builtinsOnly.holdFrom("Plain prose, nothing pending!")).toBe(29);
    expect(builtinsOnly.holdFrom("Plain prose, card 4111 !")).toBe(18);
    expect(builtinsOnly.holdFrom("an SSN 123-45-6789 😀 ")).toBe(7);
    expect(builtinsOnly.holdFrom("Plain prose, write to jane")).toBe(22);
  });
});

describe("mayFind", () => {
  const builtins = compileDetectors({ builtins: BUILTIN_DETECTORS, patterns: [], words: [] });
  it("is true for every text a built-in finds something in, secrets of letters only included", () => {
    for (const text of [
      "aws_secret_access_key = wJalrXUtnFEMIxKbPxRfiCYzEXAMPLEKQabcdefg", "AKIAQWERTYUIOPASDFGH", "token xoxb-abcdefghijklmnop",
      "-----BEGIN PRIVATE KEY-----", ...prompt.split("\n").slice(0, 3),
    ]) {
      expect(builtins.find(text).length, text).toBeGreaterThan(0);
      expect(builtins.mayFind(text), text).toBe(true);
    }
  });

  it("is never false where a built-in finds something (letters, separators and secret prefixes, any mix)", () => {
    const piece = fc.oneof(
      fc.constantFrom("AKIA", "ASIA", "aws_secret_access_key", "AwsSecretAccessKey", "xoxb-", "sk-", "ghp_", "eyJ", "-----BEGIN ", " = ", ": "),
      fc.string({ unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij_-/+= .\n".split("")), minLength: 1, maxLength: 48 }),
    );
    fc.assert(fc.property(fc.array(piece, { maxLength: 6 }).map((parts) => parts.join("")), (text) => {
      if (!builtins.mayFind(text)) expect(builtins.find(text)).toEqual([]);
    }), { numRuns: 3000 });
  });

  it("reads a colon only for the IP address detector (an IPv6 address may be letters and colons)", () => {
    const withoutIp = compileDetectors({ builtins: BUILTIN_DETECTORS.filter((name) => name !== "ip-address"), patterns: [], words: [] });
    expect(withoutIp.mayFind("Noted: the main risks")).toBe(false);
    expect(builtins.mayFind("dead:beef::cafe")).toBe(true);
    expect(builtins.find("at dead:beef::cafe now").map((finding) => finding.detector)).toEqual(["ip-address"]);
    const piece = fc.oneof(
      fc.constantFrom("AKIA", "ASIA", "aws_secret_access_key", "AwsSecretAccessKey", "xoxb-", "sk-", "ghp_", "eyJ", "-----BEGIN ", " = ", ": ", "::", "dead:beef::cafe", "mailto:", "https://", "user:pass", "AWS_SECRET_ACCESS_KEY:"),
      fc.string({ unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij_-/+=:. \n".split("")), minLength: 1, maxLength: 48 }),
    );
    fc.assert(fc.property(fc.array(piece, { maxLength: 6 }).map((parts) => parts.join("")), (text) => {
      if (!withoutIp.mayFind(text)) expect(withoutIp.find(text)).toEqual([]);
    }), { numRuns: 3000 });
  });

  it("reads a secret's required text as the views read it: across markup, controls and escapes of nothing", () => {
    for (const text of [
      "AK**IA**QWERTYUIOPASDFGH", "AK`IA`QWERTYUIOPASDFGH", "AK<b></b>IAQWERTYUIOPASDFGH", "AK<!-- x -->IAQWERTYUIOPASDFGH", "AK\u0001IAQWERTYUIOPASDFGH",
      "AKI\u007fAQWERTYUIOPASDFGH", "AK\\u{e}IAQWERTYUIOPASDFGH", "AK\\uFEFFIAQWERTYUIOPASDFGH", "x\\u{ba}xb-abcdefghijklmnop", "xo**x**b-abcdefghijklmnop",
    ]) {
      expect(builtins.find(text).length, text).toBeGreaterThan(0);
      expect(builtins.mayFind(text), text).toBe(true);
    }
    const withoutIp = compileDetectors({ builtins: BUILTIN_DETECTORS.filter((name) => name !== "ip-address"), patterns: [], words: [] });
    const piece = fc.oneof(
      fc.constantFrom("AK", "IA", "AKIA", "QWERTYUIOPASDFGH", "xo", "x", "b-", "abcdefghijkl", "sk", "-", "eyJ", "aws_secret", "_access_key", " = ", "wJalrXUtnFEMIxKbPxRfiCYzEXAMPLEKQabcdefg"),
      fc.constantFrom("**", "*", "`", "<b>", "</b>", "<!-- -->", "<", "\u0001", "\u007f", "\u001b", "\\u{e}", "\\uFEFF", "\\u{ba}", "\\xbc", "\\"),
    );
    fc.assert(fc.property(fc.array(piece, { maxLength: 8 }).map((parts) => parts.join("")), (text) => {
      if (!builtins.mayFind(text)) expect(builtins.find(text)).toEqual([]);
      if (!withoutIp.mayFind(text)) expect(withoutIp.find(text)).toEqual([]);
    }), { numRuns: 3000 });
  });

  it("is false for plain prose", () => {
    expect(builtins.mayFind("the quick brown fox, asked, said no")).toBe(false);
    expect(compileDetectors({ builtins: ["email"], patterns: [], words: [] }).mayFind("sk- AKIA xox")).toBe(false);
  });
});

describe("compiled detectors read the normalised view", () => {
  const set = compileDetectors({ builtins: ["email", "phone", "payment-card"], patterns: [], words: [] });
  const values = (text: string) => set.find(text).map((finding) => [finding.detector, finding.value]);

  it.each([
    ["mail ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ now", "email", "ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ"],
    ["mail jane\u200b.doe@exam\u2060ple.com now", "email", "jane\u200b.doe@exam\u2060ple.com"],
    ["see https://x.test/?to=jane.doe%40example.com&a=1", "email", "jane.doe%40example.com"],
    ["card 4111\u00a01111\u00a01111\u00a01111 ok", "payment-card", "4111\u00a01111\u00a01111\u00a01111"],
    ["card ４１１１ １１１１ １１１１ １１１１ ok", "payment-card", "４１１１ １１１１ １１１１ １１１１"],
    ["call (415) 555-0133 today", "phone", "(415) 555-0133"],
    ["call 415-555-0133 today", "phone", "415-555-0133"],
  ])("finds %j as the original span", (text, detector, value) => {
    expect(values(text)).toEqual([[detector, value]]);
  });

  it("finds national numbers of the deployment's regions, or only international ones when it has none", () => {
    const gb = compileDetectors({ builtins: ["phone"], patterns: [], words: [], defaultPhoneRegions: ["GB"] });
    expect(gb.find("ring 020 7946 0958 or (415) 555-0133").map((finding) => finding.value)).toEqual(["020 7946 0958"]);
    const none = compileDetectors({ builtins: ["phone"], patterns: [], words: [], defaultPhoneRegions: [] });
    expect(none.find("ring (415) 555-0133 or +1 415 555 0133").map((finding) => finding.value)).toEqual(["+1 415 555 0133"]);
    const policy = compileDetectors({ builtins: ["phone"], patterns: [], words: [], phoneRegion: "DE", defaultPhoneRegions: ["GB"] });
    expect(policy.find("030 901820 or 020 7946 0958").map((finding) => finding.value)).toEqual(["030 901820"]);
  });
});

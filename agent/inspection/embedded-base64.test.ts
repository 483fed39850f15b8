// Base64 inside a longer string (embedded-base64.ts): the skip-ahead test against a plain regex,
// the runs found, and requests through masking — a value or a keyword in base64 inside a sentence is
// found and masked in place (the run re-encoded), where it once went upstream unread.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileDetectors } from "../../core/detectors/compile-detectors.js";
import { createMaskSession } from "../masking/mask-session.js";
import { embeddedRuns, hasRun, MIN_RUN } from "./embedded-base64.js";

const b64 = (text: string) => Buffer.from(text).toString("base64");
const detectors = compileDetectors({ builtins: ["email", "payment-card", "secrets"], patterns: [], words: [] });
const rule = { policy: "pii", detectors, direction: "both", style: "redact", restore: false } as const;
const masked = (content: string) => {
  const session = createMaskSession("openai", "/v1/chat/completions", [rule]);
  return JSON.parse(session.maskRequest(Buffer.from(JSON.stringify({ model: "m", messages: [{ role: "user", content }] }))).toString()).messages[0].content as string;
};

describe("base64 runs inside a string", () => {
  it("hasRun says what a plain regex says", () => {
    const reference = new RegExp(`[A-Za-z0-9+/_-]{${MIN_RUN}}`);
    const piece = fc.oneof(fc.stringMatching(/^[A-Za-z0-9+/_-]{0,25}$/), fc.constantFrom(" ", ".", "=", "é", "\n", ":", "~"));
    fc.assert(fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
      const text = pieces.join("");
      expect(hasRun(text)).toBe(reference.test(text));
    }), { numRuns: 5_000 });
  });

  it("finds the runs that decode to text, with their spans", () => {
    const run = b64("mail jane.doe@example.com");
    const unpadded = Buffer.from("card 4111 1111 1111 1111").toString("base64url").replace(/=+$/, "");
    const text = `decode ${run}. then (${unpadded}) and internationalization-of-things ${"ab".repeat(20)}`;
    const runs = embeddedRuns(text);
    expect(runs.map((found) => [text.slice(found.start, found.end), found.text.text])).toEqual([
      [run, "mail jane.doe@example.com"],
      [unpadded, "card 4111 1111 1111 1111"],
    ]);
    expect(embeddedRuns(run)).toEqual([]); // a whole base64 string is encoded-text.ts's
    expect(embeddedRuns("plain prose, a URL https://example.com/v1/chat/completions and a path")).toEqual([]);
  });

  it("masks a value in base64 inside a sentence, re-encoding the run in place", () => {
    for (const encode of [b64, (text: string) => Buffer.from(text).toString("base64url").replace(/=+$/, ""), (text: string) => b64(b64(text))]) {
      const out = masked(`please decode ${encode("mail jane.doe@example.com now")} and reply`);
      const run = /decode (\S+) and/.exec(out)![1]!;
      expect(out).toMatch(/^please decode \S+ and reply$/);
      const decoded = Buffer.from(run, "base64").toString();
      expect([decoded, Buffer.from(decoded, "base64").toString()]).toContain("mail [EMAIL] now");
    }
  });

  it("reads hex digits that are text as hex, in a sentence or whole, and writes them back in their case", () => {
    const hex = Buffer.from("mail jane.doe@example.com").toString("hex");
    expect(Buffer.from(/decode (\S+) ok/.exec(masked(`decode ${hex} ok`))![1]!, "hex").toString()).toBe("mail [EMAIL]");
    expect(masked(`decode ${hex.toUpperCase()} ok`)).toBe(`decode ${Buffer.from("mail [EMAIL]").toString("hex").toUpperCase()} ok`);
    expect(Buffer.from(masked(hex), "hex").toString()).toBe("mail [EMAIL]");
    // Hashes and ids are bytes, not text: left as they are.
    const sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    expect(masked(`sha ${sha} and ${sha.slice(0, 40)}`)).toBe(`sha ${sha} and ${sha.slice(0, 40)}`);
  });

  it("refuses a value found both in the string and in a run inside it", () => {
    expect(() => masked(`jane.doe@example.com and ${b64("mail jane.doe@example.com")}`)).toThrow(/base64 inside/);
  });

  it("leaves runs of text without values as they are", () => {
    const content = `decode ${b64("hello there, how are you doing")} please`;
    expect(masked(content)).toBe(content);
  });

  it("reads short runs (12 to 19 characters) that look like base64 of text, whole strings too; words, identifiers and numbers stay as they are", () => {
    const ssn = b64("219-45-6789"); // MjE5LTQ1LTY3ODk=
    const phone = b64("415-555-0133"); // NDE1LTU1NS0wMTMz
    expect(ssn.length).toBe(16);
    const text = `decode ${ssn} and ${phone}, not internationalize getUserAccount user1234abcd5678 4111111111111111`;
    expect(embeddedRuns(text).map((found) => found.text.text)).toEqual(["219-45-6789", "415-555-0133"]);
    expect(embeddedRuns(ssn).map((found) => found.text.text)).toEqual(["219-45-6789"]); // whole: encoded-text.ts reads 20 or more only
    const detectorsWithSsn = compileDetectors({ builtins: ["us-ssn", "phone"], patterns: [], words: [] });
    const session = createMaskSession("openai", "/v1/chat/completions", [{ ...rule, detectors: detectorsWithSsn }]);
    const out = JSON.parse(session.maskRequest(Buffer.from(JSON.stringify({ model: "m", messages: [{ role: "user", content: `decode ${ssn} now` }], x: phone }))).toString());
    expect(Buffer.from(/decode (\S+) now/.exec(out.messages[0].content)![1]!, "base64").toString()).toBe("[US_SSN]");
    expect(Buffer.from(out.x, "base64").toString()).toBe("[PHONE]");
  });
});

// Text streams that skip the scan of quiet views (sign-ledger.ts, core/detectors/quiet-text.ts)
// release exactly what streams that scan every view release: the same client and record text at
// every push and flush, the same releases, tails and findings, for values of every kind split
// over pieces at every boundary. The reference is the same rules without their quiet readings.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileDetectors, type CompiledDetectors } from "../../core/detectors/compile-detectors.js";
import { countDigitsWithoutLetters } from "../../core/detectors/detector.js";
import { QUIET_CHARACTERS, SIGNS } from "../../core/detectors/quiet-text.js";
import type { MaskRule } from "../../core/detectors/mask-types.js";
import { createMaskContext } from "./mask-context.js";
import { createMaskSession } from "./mask-session.js";
import { SignLedger } from "./sign-ledger.js";
import { createTextStream, type Release } from "./text-stream.js";

const sets = [
  compileDetectors({ builtins: ["email", "phone", "payment-card", "secrets"], patterns: [], words: [] }),
  compileDetectors({ builtins: ["payment-card"], patterns: [], words: [] }),
  compileDetectors({ builtins: ["email", "secrets"], patterns: [], words: [] }),
  compileDetectors({ builtins: ["phone"], patterns: [], words: [], phoneRegion: "GB" }),
  compileDetectors({ builtins: ["us-ssn", "email"], patterns: [], words: [] }),
];
const unread = (detectors: CompiledDetectors): CompiledDetectors => ({ ...detectors, quiet: undefined });

const values = [
  "jane.doe@example.com",
  "jane dot doe [at] example dot com",
  "zoe (at) mail (dot) org",
  "jane.doe%40example.com",
  "jane\\u0040example.com",
  "+44 20 7946 0958",
  "+683 4002",
  "(415) 555-2671",
  "415.555.2671 ext. 12",
  "4111 1111 1111 1111",
  "4111111111111111",
  "4.111111111111111e15",
  "4539001e9",
  "4222222222222",
  "GB82 WEST 1234 5698 7654 32",
  "123-45-6789",
  "AKIAIOSFODNN7EXAMPLE",
  "sk-proj-Ab3dEfGhIjKlMnOpQrStUvWxYz0123456789",
  "ghp_Ab3dEfGhIjKlMnOpQrStUvWxYz0123456789",
  "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  `aws_secret_access_key =${" ".repeat(70)}wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`,
  "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----",
  "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdefghijklmnop",
  "SGVsbG8gamFuZS5kb2VAZXhhbXBsZS5jb20gd2FzIGhlcmU=",
  "deadbeefcafebabe0123456789abcdef",
  "ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ",
  "jane.doe<b></b>@example.com",
  // Its "https://" is held by the secrets' token run alone until "hooks.slack.com" (the sign) arrives.
  "https://hooks.slack.com/services/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",
];
const filler = [" tok245", " the", " order", " 1234", " 12345", " 555", "-", ".", ",", " ", "\n", " ".repeat(70), "\t\t", "dot", " at ", "e5", "1e", "[", "(", "é", "😀", "<", "\\", "*"];
// Every word sign in either case and cut, and exponents.
const signParts = ["EYJ", "Eyj", "HOOKS.SLACK.COM", "5e-7", "3E+1", "0e0", "dot", "DoT", "[at]", "(at)", "{ at }", "<at>", "sk-", "SK-ANT-", "akia", "ASIA", "secret", "_access", "-key", "gh", "p_", "github_pat_", "xox", "hooks.slack.com", "eyJ", "-----BEGIN ", "-----begin", "1e5", "2E+3", "9e-", "e5", "+1", "7e", "-"];
const text = fc.array(fc.oneof(fc.constantFrom(...values), fc.constantFrom(...filler), fc.string({ maxLength: 4 })), { maxLength: 14 }).map((parts) => parts.join(""));

// The ledger's answer worked out on the whole text: no character but quiet ones (and no "@") from
// `from`, no SIGNS match starting there or after, no digit there or after that is the digitRun-th
// of its stretch without ASCII letters (counted from the stretch's start, which may lie before).
const signAt = new RegExp(SIGNS.source, "iy");
function noSign(text: string, from: number, digitRun: number): boolean {
  for (let at = from; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code >= 128 || QUIET_CHARACTERS[code] === 0) return false;
    signAt.lastIndex = at;
    if (signAt.test(text)) return false;
  }
  let run = 0;
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code >= 48 && code <= 57) run++;
    else if ((code | 32) >= 97 && (code | 32) <= 122) run = 0;
    if (at >= from && code >= 48 && code <= 57 && run >= digitRun) return false;
  }
  return true;
}

interface Run {
  outs: string[];
  releases: Release[];
  emitted: string;
  tail: string;
  findings: unknown;
  refused?: string;
}

function run(detectors: CompiledDetectors, pieces: readonly string[], continues: string, again: readonly string[]): Run {
  const rules: MaskRule[] = [{ policy: "p", detectors, direction: "both", style: "pseudonymize", restore: true }];
  const masking = createMaskContext(rules);
  const stream = createTextStream(masking.reply, "choices[0].delta.content", continues);
  const releases: Release[] = [];
  stream.onRelease = (release) => releases.push(release);
  const outs: string[] = [];
  const take = (out: { client: string; record: string }) => outs.push(`${out.client}\u0000${out.record}`);
  let refused: string | undefined;
  try {
    for (const piece of pieces) take(stream.push(piece));
    take(stream.flush());
    // More text after the end (readers join it to what came before).
    for (const piece of again) take(stream.push(piece));
    take(stream.flush());
  } catch (error) {
    refused = String(error); // a value in base64 split where it cannot be masked: refused at the same piece
  }
  return { outs, releases, emitted: `${stream.emitted.client}\u0000${stream.emitted.record}`, tail: stream.tail, findings: masking.counter, refused };
}

function same(detectors: CompiledDetectors, pieces: readonly string[], continues = "", again: readonly string[] = []): void {
  expect(run(detectors, pieces, continues, again)).toEqual(run(unread(detectors), pieces, continues, again));
}

describe("quiet views", () => {
  it("every set of this file has a quiet reading (else it would be compared with itself)", () => {
    for (const set of sets) expect(set.quiet).toBeDefined();
    expect(compileDetectors({ builtins: ["email", "iban"], patterns: [], words: [] }).quiet).toBeUndefined();
    expect(compileDetectors({ builtins: ["ip-address"], patterns: [], words: [] }).quiet).toBeUndefined();
    expect(compileDetectors({ builtins: ["email"], patterns: ["x\\d"], words: [] }).quiet).toBeUndefined();
  });

  it("a stream cut at every boundary releases what a stream that scans every view releases", () => {
    values.forEach((value, index) => {
      // At the stream's start (the view's first character is the value's) and after some text.
      const whole = index % 2 === 0 ? `${value} tok13` : ` tok12 ${value} tok13`;
      for (let cut = 1; cut < whole.length; cut++) {
        same(sets[0], [whole.slice(0, cut), whole.slice(cut)]);
        if (cut % 5 === 0) same(sets[0], [whole.slice(0, cut)], "", [whole.slice(cut)]); // ended there, then continued
      }
      if (index % 3 !== 1) same(sets[0], [...whole]); // character by character
    });
    // Cards alone: no phone's six digits, so only thirteen digits or an exponent are signs.
    for (const value of ["4222222222222", "4539001e9", "4111 1111 1111 1111"]) {
      const whole = `card ${value} tok13`;
      for (let cut = 1; cut < whole.length; cut++) same(sets[1], [whole.slice(0, cut), whole.slice(cut)]);
    }
    // SSNs without phones or cards: nine digits are the sign.
    for (const value of ["123-45-6789", "123 45 6789", "123.45.6789", "123\u201045\u20106789"]) {
      const whole = `ssn ${value} tok13`;
      for (let cut = 1; cut < whole.length; cut++) same(sets[4], [whole.slice(0, cut), whole.slice(cut)]);
    }
  });

  it("a look-behind whose whitespace run was cut is read by a scan, not the ledger", () => {
    // The look-behind keeps 64 of a longer run: it is then no longer the stream's text as it came.
    const key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    for (const whole of [`aws_secret_access_key =${" ".repeat(70)}${key} tok13`, `x secret access key:${"\n".repeat(66)}${key}`]) {
      same(sets[0], [...whole]);
      const pieces = whole.match(/[\s\S]{1,4}/g) ?? [];
      for (let cut = 1; cut < pieces.length; cut++) same(sets[0], pieces.slice(0, cut), "", pieces.slice(cut)); // ended there, then continued
    }
  });

  it("the ledger tells a stretch quiet exactly when no sign stands in it", () => {
    // Each sign alone between text that may start none, cut at every boundary.
    const agrees = (pieces: readonly string[], digitRun: number) => {
      const ledger = new SignLedger(digitRun);
      let text = "";
      for (const piece of pieces) {
        ledger.push(piece);
        text += piece;
        for (let from = 0; from <= text.length; from++) expect(ledger.quietFrom(from)).toBe(noSign(text, from, digitRun));
      }
    };
    for (const sign of signParts) {
      const whole = `tok1 ${sign} 7 tok2`;
      for (let cut = 0; cut <= whole.length; cut++) agrees([whole.slice(0, cut), whole.slice(cut)], 13);
    }
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...values, ...filler, ...signParts), fc.string({ maxLength: 3 })), { maxLength: 8 }), fc.constantFrom(6, 13, Number.POSITIVE_INFINITY), (pieces, digitRun) => {
        const ledger = new SignLedger(digitRun);
        let text = "";
        for (const piece of pieces) {
          ledger.push(piece);
          text += piece;
          for (let from = 0; from <= text.length; from++) {
            const quiet = ledger.quietFrom(from);
            expect(quiet).toBe(noSign(text, from, digitRun));
            if (quiet) expect(countDigitsWithoutLetters(text.slice(from))).toBeLessThan(digitRun);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it("random texts in random pieces, continued and resumed, release the same", () => {
    fc.assert(
      fc.property(text, fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 6 }), fc.constantFrom(...sets), fc.constantFrom("", " tok9", "jane.doe@exa", " 4111 1111"), text, (whole, sizes, detectors, continues, more) => {
        const pieces: string[] = [];
        for (let at = 0, index = 0; at < whole.length; index++) {
          const size = sizes[index % sizes.length];
          pieces.push(whole.slice(at, at + size));
          at += size;
        }
        same(detectors, pieces, continues, more === "" ? [] : [more.slice(0, 5), more.slice(5)]);
      }),
      { numRuns: 60 },
    );
  });

  it("a chat stream's deltas, in network chunks of any size, are masked the same (client, record, parsed values, findings)", () => {
    const chunk = (delta: object, finish: string | null) => `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 0, model: "m", choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
    const masked = (detectors: CompiledDetectors, sse: Buffer, size: number) => {
      const session = createMaskSession("openai", "/v1/chat/completions", [{ policy: "p", detectors, direction: "both", style: "redact", restore: false }]);
      const stream = session.responseStream();
      const outs: unknown[] = [];
      try {
        for (let at = 0; at < sse.length; at += size) outs.push(stream.push(sse.subarray(at, at + size)));
        outs.push(stream.end());
      } catch (error) {
        outs.push(String(error));
      }
      return { outs, findings: session.findings() };
    };
    fc.assert(
      fc.property(text, fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 }), fc.constantFrom(...sets), fc.constantFrom(1, 97, 100_000), (whole, sizes, detectors, size) => {
        let sse = chunk({ role: "assistant", content: "" }, null);
        for (let at = 0, index = 0; at < whole.length; index++) {
          sse += chunk({ content: whole.slice(at, at + sizes[index % sizes.length]) }, null);
          at += sizes[index % sizes.length];
        }
        const body = Buffer.from(`${sse}${chunk({}, "stop")}data: [DONE]\n\n`);
        expect(masked(detectors, body, size)).toEqual(masked(unread(detectors), body, size));
      }),
      { numRuns: 20 },
    );
  });
});

// The literal pre-checks (`requires`: "@", "sk-", "eyJ", "xox", aws_secret_access_key…) only skip
// work: on any text, findings with them equal findings without them, in whole text and in a stream
// (a value split across deltas whose literal arrives in a later piece). "Without them" is the same
// text followed, past three line breaks (nothing matches across those), by every required literal.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { settledHold, type Detector, type Finding } from "./detector.js";
import { emailDetector } from "./email.js";
import { secretsDetector } from "./secrets.js";
import { checkHold } from "./test-corpus.js";

const literals = "\n\n\n@ sk-ant- sk- eyJ xox ghp_ github_pat_ AKIA aws_secret_access_key";

const values = [
  "jane.doe@example.com", "USER_42@Sub-Domain.Example.IO", "a@b.cd",
  "sk-proj-Ab3dEfGhIjKlMnOpQrStUvWxYz0123456789_-abcDEF", "sk-Ab3dEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGh",
  "sk-ant-api03-Ab3dEfGhIjKlMnOpQrStUvWxYz0123456789_-abcDEFghiJKLmnoPQRstuVWXyz0123456789AA",
  "AKIAIOSFODNN7EXAMPLE", "ASIAY34FZKBOKMUTVV7A", "APKAY34FZKBOKMUTVV7A",
  "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AWS_SECRET_ACCESS_KEY: \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"",
  "AwsSecretAccessKey='wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'",
  "ghp_16C7e42F292c6912E7710c838347Ae178B4a", "github_pat_11ABCDEFG0123456789abc_0123456789abcdefghijABCDEFGHIJ0123456789abcdefghijklmnopqrstuvw",
  "xoxb-2048495039-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
];

// Case variants and look-alikes: upper, lower, swapped case, first letter flipped, fullwidth "@"
// and "-", the Kelvin sign and long s (which unicode case folding maps to k and s).
function variants(value: string): string[] {
  const swap = [...value].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join("");
  const flipped = value.charAt(0) === value.charAt(0).toUpperCase() ? value.charAt(0).toLowerCase() + value.slice(1) : value.charAt(0).toUpperCase() + value.slice(1);
  return [value, value.toUpperCase(), value.toLowerCase(), swap, flipped, value.replace("@", "\uFF20"), value.replace("-", "\uFF0D"), value.replace(/k/gi, "\u212A"), value.replace(/s/gi, "\u017F")];
}

const salt = fc.constantFrom(...values.flatMap(variants));
const noise = fc.string({ unit: fc.constantFrom(..."ab Z9_-./:=+@'\"\n\té\u0130\u212A\u017F\uFF20".split("")), maxLength: 12 });
const text = fc.array(fc.oneof({ arbitrary: salt, weight: 1 }, { arbitrary: noise, weight: 2 }), { maxLength: 8 }).map((parts) => parts.join(""));

const withoutPreChecks = (detector: Detector, value: string): Finding[] => detector.find(value + literals).filter((finding) => finding.start < value.length);

describe("literal pre-checks", () => {
  for (const detector of [emailDetector(), secretsDetector()]) {
    it(`${detector.name}: findings with the pre-check equal findings without it`, () => {
      for (const value of values.flatMap(variants)) expect(detector.find(value), value).toEqual(withoutPreChecks(detector, value));
      fc.assert(fc.property(text, (value) => {
        expect(detector.find(value)).toEqual(withoutPreChecks(detector, value));
      }), { numRuns: 2000 });
    });

    it(`${detector.name}: a value split across deltas is found when its literal comes in a later piece`, () => {
      // As the stream masker holds (match-scanner.ts): never inside a finding, even one in a run of
      // the detector's alphabet longer than its maxLength.
      const masker = { find: (value: string) => detector.find(value), holdFrom: (value: string) => settledHold(detector.find(value), detector.holdFrom(value)) };
      fc.assert(fc.property(text, (value) => {
        checkHold(masker, value);
      }), { numRuns: 150 });
    });
  }

  it("finds what the patterns accept in any case", () => {
    const found = (value: string) => secretsDetector().find(value).map((finding) => finding.value);
    expect(found("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")).toEqual(["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]);
    expect(found("Aws_Secret_AccessKey: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")).toEqual(["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]);
  });
});

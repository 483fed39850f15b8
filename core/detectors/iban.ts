// IBANs: country code, two check digits and the basic bank account number, written compact or in
// groups of four separated by single spaces (upper case, as printed). Validated after the pattern:
// the country's registered length (SWIFT IBAN registry) and the ISO 13616 mod-97 checksum. A
// candidate that runs on into one more group is cut back to the country's length at a group edge.
import type { Detector, Finding } from "./detector.js";
import { alphabet, trailingRun } from "./detector.js";

const pattern = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,8}(?: ?[A-Z0-9]{1,3})?(?![A-Za-z0-9])/g;

// Registered IBAN lengths by country (SWIFT IBAN registry).
const lengths: Record<string, number> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28, CH: 21, CR: 22, CY: 28, CZ: 24,
  DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27,
  GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20,
  LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28, NL: 18, NO: 15, OM: 23, PK: 24, PL: 28,
  PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24, SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28,
  TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
};

/** True when the compact IBAN `iban` passes the ISO 13616 mod-97 check. */
export function ibanChecksumValid(iban: string): boolean {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const code = char.charCodeAt(0);
    const value = code >= 65 ? code - 55 : code - 48;
    remainder = value >= 10 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97;
  }
  return remainder === 1;
}

// The end of the first `count` non-space characters of `candidate`, if that lands on a group edge.
function cutAt(candidate: string, count: number): number | undefined {
  let seen = 0;
  for (let index = 0; index < candidate.length; index++) {
    if (candidate[index] !== " ") seen++;
    if (seen === count) return index + 1 === candidate.length || candidate[index + 1] === " " ? index + 1 : undefined;
  }
  return undefined;
}

const inAlphabet = alphabet("A-Z0-9 ");

/** The IBAN detector. */
export function ibanDetector(): Detector {
  return {
    name: "iban",
    maxLength: 42,
    find(text) {
      const findings: Finding[] = [];
      pattern.lastIndex = 0;
      for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
        const length = lengths[match[0].slice(0, 2)];
        if (length === undefined) continue;
        const end = cutAt(match[0], length);
        if (end === undefined) continue;
        const value = match[0].slice(0, end);
        if (!ibanChecksumValid(value.replaceAll(" ", ""))) continue;
        findings.push({ detector: "iban", start: match.index, end: match.index + end, value });
      }
      return findings;
    },
    holdFrom: (text) => trailingRun(text, inAlphabet, 42),
  };
}

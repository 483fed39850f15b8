// Phone numbers, found by libphonenumber-js (a port of Google's libphonenumber matcher) with its
// full ("max") metadata, so a number must be valid for its country's numbering plan, not just of a
// plausible length.
//
// Region policy: numbers written internationally ("+44 20 7946 0958", "+1 (415) 555-2671") are
// always found. Numbers written nationally ("(415) 555-2671", "030 901820") are ambiguous without a
// country and are found only when a default region is configured (`region: "US"`), and then only
// for that region's plan. "00"-prefixed international forms are read as national digits of the
// default region, as the library does.
//
// Speed: the library scans ~1 MB/s. Only windows around digit runs that could be a phone number
// (six digits or more with phone punctuation between them, after a "+" when no region is set) are
// handed to it, each widened to the surrounding whitespace so it sees the same context (letters
// and dates beside the number) as in the whole text. Text without such runs costs one
// regular-expression scan; each window costs tens of microseconds.
import { findPhoneNumbersInText, isSupportedCountry, type CountryCode } from "libphonenumber-js/max";
import { alphabet, settledHold, trailingRun, type Detector, type Finding } from "./detector.js";

const separators = "[\\s().\\/~\\-‐‑‒–—−]{0,4}";
// Without a region only "+" numbers can be found, so only runs after a plus sign are candidates.
const nationalCandidate = new RegExp(`[+＋(]?\\d(?:${separators}\\d){5,}`, "g");
const internationalCandidate = new RegExp(`[+＋]${separators}\\d(?:${separators}\\d){5,}`, "g");
const margin = 24; // context either side of a candidate ("ext. 1234", a date's other half)
const snap = 64; // how far a window edge moves on to reach whitespace
const maxLength = 56;
// Words and marks after a number's last digit that may still become its extension ("ext. 12", "x9").
const extensionTail = /(?<=[\d)])[\s.,;:#=A-Za-z]{1,14}$/;
const inAlphabet = alphabet("0-9+() ./~\\t\\n-");

function isSpace(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return code === 32 || (code >= 9 && code <= 13);
}

// Windows [start, end) around every candidate, widened to whitespace, overlapping ones merged.
function windows(text: string, candidate: RegExp): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  candidate.lastIndex = 0;
  for (let match = candidate.exec(text); match !== null; match = candidate.exec(text)) {
    let start = Math.max(0, match.index - margin);
    for (let steps = 0; start > 0 && !isSpace(text, start - 1) && steps < snap; steps++) start--;
    let end = Math.min(text.length, candidate.lastIndex + margin);
    for (let steps = 0; end < text.length && !isSpace(text, end) && steps < snap; steps++) end++;
    const last = spans.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else spans.push([start, end]);
  }
  return spans;
}

const count = (text: string, char: string): number => text.split(char).length - 1;

// The library keeps an opening parenthesis that only wraps the number ("(+1 415-555-2671)"); the
// finding leaves an unbalanced one out.
function balanced(text: string, start: number, end: number): Finding {
  let value = text.slice(start, end);
  if (value.startsWith("(") && count(value, "(") > count(value, ")")) {
    value = value.slice(1);
    start++;
  }
  return { detector: "phone", start, end, value };
}

// The trailing run of phone characters, and of a number before a tail that may become its extension.
function hold(text: string): number {
  const run = trailingRun(text, inAlphabet, maxLength);
  const extension = extensionTail.exec(text.slice(-16));
  if (!extension) return run;
  return Math.min(run, trailingRun(text.slice(0, text.length - extension[0].length), inAlphabet, maxLength - 14));
}

export interface PhoneOptions {
  /** ISO 3166 alpha-2 region whose national numbers are also found; absent = international only. */
  region?: string;
}

/** The phone number detector; throws when `region` is not a supported country code. */
export function phoneDetector(options: PhoneOptions = {}): Detector {
  const region = options.region?.toUpperCase();
  if (region !== undefined && !isSupportedCountry(region)) throw new Error(`phone detector: unknown region ${options.region}`);
  const search = region === undefined ? {} : { defaultCountry: region as CountryCode };
  const candidate = region === undefined ? internationalCandidate : nationalCandidate;
  const detector: Detector = {
    name: "phone",
    maxLength,
    find(text) {
      const findings: Finding[] = [];
      for (const [start, end] of windows(text, candidate)) {
        for (const found of findPhoneNumbersInText(text.slice(start, end), search)) {
          findings.push(balanced(text, start + found.startsAt, start + found.endsAt));
        }
      }
      return findings;
    },
    // An extension ("ext. 1234") holds from its digits, inside the number's finding.
    holdFrom: (text) => settledHold(detector.find(text), hold(text)),
  };
  return detector;
}

// Phone numbers, found by libphonenumber-js (a port of Google's libphonenumber matcher) with its
// full ("max") metadata, so a number must be valid for its country's numbering plan, not just of a
// plausible length.
//
// Region policy: numbers written internationally ("+44 20 7946 0958", "+1 (415) 555-2671") are
// always found. Numbers written nationally ("(415) 555-2671", "030 901820") are ambiguous without a
// country and are found for the regions configured (`regions: ["US"]`; compile-detectors.ts gives
// the policy's or the deployment's, US by default), each by its own plan. "00"-prefixed international forms are read as national digits of the
// default region, as the library does.
//
// A candidate the library refuses whole is tried again without the groups around it (a number
// followed or preceded by other digits: `call +1 415 555 0133 12`), and a `+` number written
// without separators without its last digits; a national number glued inside a longer run of
// digits is not looked for (order numbers and ids would drown the real ones).
//
// Speed: the library scans ~1 MB/s. Only windows around digit runs that could be a phone number
// (see the candidate pattern below) are handed to it, each widened to the surrounding whitespace
// so it sees the same context (letters and dates beside the number) as in the whole text. Text without such runs costs one
// regular-expression scan; each window costs tens of microseconds, but text made of short digit
// groups ("12.12.12…") costs the library up to ~100 µs per character. So each find has a budget of
// library time (500 ms of this thread's CPU time per MB of text, at least 25 ms); once it is spent, the remaining candidates
// are reported unverified (kind "unverified"), failing closed: masked rather than let through.
import { findPhoneNumbersInText, isSupportedCountry, type CountryCode } from "libphonenumber-js/max";
import { mergeFindings } from "./merge-findings.js";
import { alphabet, mostDigitsWithoutLetters, rememberLast, settledHold, tailFindings, trailingRun, type Detector, type Finding } from "./detector.js";

// A candidate: maximal digit groups joined by phone punctuation, at most two single-digit groups at
// its start ("+1", "+33 1", "+44 (0)"), then groups of two or more digits, six digits or more in
// all, not inside a longer run of digits. Runs such as "1.1.1.1" or "1 2 3 4" are never candidates:
// the library costs ~20 µs per character on them. The separator between groups is never empty, so
// a run of digits splits one way only (no backtracking blow-up). Without a region only "+" numbers
// can be found, so candidates need the "+".
const separator = "[\\s().\\/~\\-‐‑‒–—−]{1,4}";
const groups = `\\d{1,15}(?:${separator}\\d)?(?:${separator}\\d{2,15}){0,8}(?!\\d)`;
const nationalCandidate = new RegExp(`(?<!\\d)[+＋(]?${groups}`, "g");
const internationalCandidate = new RegExp(`(?<!\\d)[+＋]${separator.replace("{1,4}", "{0,4}")}${groups}`, "g");
const minDigits = 6;
const margin = 24; // context either side of a candidate ("ext. 1234", a date's other half)
const snap = 64; // how far a window edge moves on to reach whitespace
// Windows grow by merging up to this size: the library's cost grows faster than linearly with the
// digits it is given (a 200 KB run of "1 1 1 …" took 4 s in one piece).
const maxWindow = 256;
const maxLength = 56;
// Words and marks after a number's last digit that may still become its extension ("ext. 12", "x9").
const extensionTail = /(?<=[\d)])[\s.,;:#=A-Za-z]{1,14}$/;
const inAlphabet = alphabet("0-9+() ./~\\t\\n-");

function digitCount(text: string): number {
  let count = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 48 && code <= 57) count++;
  }
  return count;
}

function isSpace(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return code === 32 || (code >= 9 && code <= 13);
}

// Windows [start, end) around every candidate, widened to whitespace, overlapping ones merged up
// to maxWindow (beyond that they overlap; the same number found twice is merged by the caller).
interface Window {
  start: number;
  end: number;
  /** The candidates inside, as [start, end): what is reported unverified when the budget is spent. */
  candidates: Array<[number, number]>;
}

function windows(text: string, candidate: RegExp): Window[] {
  const spans: Window[] = [];
  candidate.lastIndex = 0;
  for (let match = candidate.exec(text); match !== null; match = candidate.exec(text)) {
    if (digitCount(match[0]) < minDigits) continue;
    let start = Math.max(0, match.index - margin);
    for (let steps = 0; start > 0 && !isSpace(text, start - 1) && steps < snap; steps++) start--;
    let end = Math.min(text.length, candidate.lastIndex + margin);
    for (let steps = 0; end < text.length && !isSpace(text, end) && steps < snap; steps++) end++;
    const found: [number, number] = [match.index, candidate.lastIndex];
    const last = spans.at(-1);
    if (last && start <= last.end && end - last.start <= maxWindow) {
      last.end = Math.max(last.end, end);
      last.candidates.push(found);
    } else spans.push({ start, end, candidates: [found] });
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
  const last = text.charCodeAt(text.length - 1);
  if (last >= 48 && last <= 57) return run; // a digit ends it: no extension's word or mark does
  const extension = extensionTail.exec(text.slice(-16));
  if (!extension) return run;
  return Math.min(run, trailingRun(text.slice(0, text.length - extension[0].length), inAlphabet, maxLength - 14));
}

// Sub-candidates of a candidate the library refused whole, in the order they are tried: whole
// groups dropped from its end (`+1 415 555 0133 12`), from its start when it has no `+` and ten
// digits or more are left, and for a `+` number written without separators, digits dropped from
// its end (`+1415555013312`). Each is asked on its own; the first the library accepts is the finding.
const groupPattern = /\d+/g;
function* subCandidates(text: string, from: number, to: number): Generator<[number, number]> {
  const groups: Array<[number, number]> = [];
  groupPattern.lastIndex = 0;
  const candidate = text.slice(from, to);
  for (let group = groupPattern.exec(candidate); group !== null; group = groupPattern.exec(candidate)) groups.push([from + group.index, from + group.index + group[0].length]);
  const plus = /^[+＋]/.test(candidate);
  for (let drop = 1; drop <= 3 && drop < groups.length; drop++) yield [from, groups[groups.length - 1 - drop]![1]];
  // From the start only when ten digits or more are left (`12 415 555 0133`): a shorter rest is
  // too often another valid number of the region (`020 7946 0958` without `020`).
  if (!plus) for (let drop = 1; drop <= 2 && drop < groups.length; drop++) if (digitCount(text.slice(groups[drop]![0], to)) >= 10) yield [groups[drop]![0], to];
  if (plus && groups.length === 1) for (let drop = 1; drop <= 4; drop++) yield [from, to - drop];
}

function numberInside(text: string, from: number, to: number, searches: readonly { defaultCountry?: CountryCode }[]): Finding | undefined {
  for (const [start, end] of subCandidates(text, from, to)) {
    const piece = text.slice(start, end);
    if (digitCount(piece) < minDigits) continue;
    for (const search of searches) {
      const found = findPhoneNumbersInText(piece, search).find((number) => number.startsAt === 0 || number.endsAt === piece.length);
      if (found) return balanced(text, start + found.startsAt, start + found.endsAt);
    }
  }
  return undefined;
}

export interface PhoneOptions {
  /** ISO 3166 alpha-2 region whose national numbers are also found; absent = international only. */
  region?: string;
  /** Several such regions (with `region`, both count). */
  regions?: readonly string[];
  /** Library time allowed per find, in ms per MB of text (at least 25 ms); default 500. */
  budgetMsPerMb?: number;
}

// Short texts the library has been asked about and found no number in, remembered (bounded,
// oldest first out) so that the same text costs the library once: a reply's Date header
// ("Mon, 07 Dec 2026 00:15:48 GMT" holds the candidate "2026 00") changes once a second but is
// masked on every reply, and each library call costs ~0.1 ms. Only "nothing found" is kept, and
// only when the library answered (never a budget-spent answer, which reports findings), so the
// answer is the one a fresh search would give.
const memoMaxText = 256;
const memoEntries = 1024;

function cleanMemo() {
  const clean = new Set<string>();
  return {
    has: (text: string) => text.length <= memoMaxText && clean.has(text),
    add(text: string) {
      if (text.length > memoMaxText) return;
      if (clean.size >= memoEntries) clean.delete(clean.values().next().value!);
      clean.add(text);
    },
  };
}

// CPU time of this thread, not wall time: on a busy machine a find descheduled for 30 ms has not
// spent its budget, and must not report ordinary digit runs unverified (masked) because of it.
function cpuMs(): number {
  const usage = process.threadCpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** Whether `region` (ISO 3166 alpha-2, any case) has a numbering plan the detector knows. */
export function isPhoneRegion(region: string): boolean {
  return isSupportedCountry(region.toUpperCase());
}

/** The phone number detector; throws when `region` is not a supported country code. */
export function phoneDetector(options: PhoneOptions = {}): Detector {
  const regions = [...new Set([...(options.region === undefined ? [] : [options.region]), ...(options.regions ?? [])].map((region) => region.toUpperCase()))];
  for (const region of regions) if (!isSupportedCountry(region)) throw new Error(`phone detector: unknown region ${region}`);
  // One search per region (international numbers are found by each); none: international only.
  const searches = regions.length === 0 ? [{}] : regions.map((region) => ({ defaultCountry: region as CountryCode }));
  const candidate = regions.length === 0 ? internationalCandidate : nationalCandidate;
  const budget = options.budgetMsPerMb ?? 500;
  // The library's first call builds its metadata (tens of ms): pay it at compile time, not from
  // the first request's budget (which then reported every number of that request unverified).
  for (const search of searches) findPhoneNumbersInText("+1 415 555 2671, (415) 555-2671", search);
  const memo = cleanMemo();
  const detector: Detector = {
    name: "phone",
    maxLength,
    find: rememberLast((text) => {
      // No stretch without letters holds six digits: no candidate can (each is digits and punctuation).
      if (mostDigitsWithoutLetters(text) < minDigits) return [];
      if (memo.has(text)) return [];
      const findings: Finding[] = [];
      let asked = false;
      let deadline: number | undefined; // read the clock only when there is a window (a syscall per find in a stream adds up)
      for (const { start, end, candidates } of windows(text, candidate)) {
        deadline ??= cpuMs() + Math.max(25, (budget * text.length) / 1e6);
        if (budget === 0 || cpuMs() > deadline) {
          for (const [from, to] of candidates) findings.push({ detector: "phone", kind: "unverified", start: from, end: to, value: text.slice(from, to) });
          continue;
        }
        const window = text.slice(start, end);
        asked = true;
        const before = findings.length;
        for (const search of searches) {
          for (const found of findPhoneNumbersInText(window, search)) findings.push(balanced(text, start + found.startsAt, start + found.endsAt));
        }
        // A candidate the library found nothing in may hold a number with digits around it.
        for (const [from, to] of candidates) {
          if (findings.slice(before).some((finding) => finding.start < to && finding.end > from)) continue;
          if (cpuMs() > deadline) break;
          const inside = numberInside(text, from, to, searches);
          if (inside) findings.push(inside);
        }
      }
      if (asked && findings.length === 0) memo.add(text);
      return mergeFindings(findings, text);
    }),
    // An extension ("ext. 1234") holds from its digits, inside the number's finding.
    holdFrom(text) {
      const from = hold(text);
      return settledHold(tailFindings(detector, text, from, maxLength), from);
    },
    // A quiet text has no stretch of six digits without letters, which find() asks first: no part of it holds a finding.
    quiet: { digitRun: minDigits, holdFrom: hold },
  };
  return detector;
}

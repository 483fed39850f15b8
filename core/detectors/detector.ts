// The detector contract shared by every built-in and custom detector, and the streaming hold-back
// contract the stream masker relies on.
//
// find(text): every match in `text`, sorted by start, non-overlapping, each validated (Luhn, mod-97,
// SSN ranges…) after its regular-expression candidate. Offsets are UTF-16 indices into `text`.
//
// holdFrom(text): for a stream masker that has `text` so far and will receive more. It returns the
// smallest index h such that appending any text later can neither create, change nor cancel a finding
// that starts before h. So the masker may emit text[0, h) now, masking exactly the findings of
// find(text) that end at or before h (no finding of find(text) starts before h and ends after it), and
// must hold text[h, …) back. h === text.length means nothing need be held. Detectors keep h as late as
// they can: most matches are runs of a small alphabet (digits and separators, token characters), so
// only the trailing run of that alphabet is held, and never more than `maxLength` characters.
//
// Look-behind: a detector may look at up to LOOKBEHIND characters before a match (word boundaries,
// the phone library's context rules). A stream masker therefore calls find() and holdFrom() on
// (the last LOOKBEHIND characters it already emitted) + (the held tail and new text), and ignores
// findings that start inside that emitted prefix (by the contract above there are none).
//
// maxLength: the longest match the detector produces in a stream (an upper bound on what holdFrom
// ever holds). A finding longer than that is still found in whole text, but a stream may cut it.

/** How many emitted characters a stream masker keeps as context for the next find(). */
export const LOOKBEHIND = 32;

/** One detected value: `text.slice(start, end) === value`. */
export interface Finding {
  /** The detector that found it: "email", "phone", "payment-card", "iban", "us-ssn", "ip-address", "secrets", "pattern", "word". */
  detector: string;
  /** Finer kind where a detector has several ("ipv4", "aws-access-key", "pattern-2"…). */
  kind?: string;
  start: number;
  end: number;
  value: string;
}

/** A compiled detector; stateless between calls, safe to share across requests. */
export interface Detector {
  readonly name: string;
  /** Upper bound, in UTF-16 units, of what holdFrom holds back. */
  readonly maxLength: number;
  /** All findings in `text`, sorted by start, non-overlapping. */
  find(text: string): Finding[];
  /** Index from which a stream masker must hold `text` back (see the header comment). */
  holdFrom(text: string): number;
  /** How the detector reads a quiet text (quiet-text.ts), where present; absent: every text is read in full. */
  readonly quiet?: QuietReading;
}

/**
 * A detector's promise for quiet texts (quiet-text.ts: plain characters only, no sign expression
 * match, no `@`, and no stretch without ASCII letters holding `digitRun` ASCII digits): find() of
 * such a text, and of every part of it, is empty, and holdFrom() of it is `holdFrom` here.
 */
export interface QuietReading {
  /** The fewest digits in one stretch without ASCII letters that may be (part of) a finding; Infinity: digits are no sign. */
  readonly digitRun: number;
  /** holdFrom() of a quiet text (nothing found in it, so no finding to settle the hold on). */
  holdFrom(text: string): number;
}

/** Start of the trailing run of characters accepted by `inAlphabet`, no further back than `maxLength`. */
export function trailingRun(text: string, inAlphabet: (code: number) => boolean, maxLength: number): number {
  const limit = Math.max(0, text.length - maxLength);
  let at = text.length;
  while (at > limit && inAlphabet(text.charCodeAt(at - 1))) at--;
  return at;
}

/**
 * The most ASCII digits in any stretch of `text` without an ASCII letter. A match made of digits and
 * punctuation only (a card's chain, a phone number's candidate) lies inside one such stretch, so
 * it holds no more digits than this: a quick test before running a candidate pattern, which on a
 * stream's short pieces (`tok12 tok13`) mostly finds runs too short to be anything.
 */
export function mostDigitsWithoutLetters(text: string): number {
  // The card and phone detectors ask it in a row of one text (a stream's every piece): counted once.
  if (text === countedText) return countedMost;
  const most = countDigitsWithoutLetters(text);
  countedText = text.length <= REMEMBERED_LENGTH ? text : undefined;
  countedMost = most;
  return most;
}

let countedText: string | undefined;
let countedMost = 0;

/** mostDigitsWithoutLetters without the memo of the last text. */
export function countDigitsWithoutLetters(text: string): number {
  let most = 0;
  let run = 0;
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code >= 48 && code <= 57) {
      run++;
      if (run > most) most = run;
    } else if ((code | 32) >= 97 && (code | 32) <= 122) run = 0;
  }
  return most;
}

/** A predicate over char codes built from a character class source such as "A-Za-z0-9._-". */
export function alphabet(characterClass: string): (code: number) => boolean {
  const table = new Uint8Array(128);
  const test = new RegExp(`^[${characterClass}]$`);
  for (let code = 0; code < 128; code++) table[code] = test.test(String.fromCharCode(code)) ? 1 : 0;
  return (code) => code < 128 && table[code] === 1;
}

export interface RegexDetectorOptions {
  name: string;
  /** Must carry the `g` flag; with `d` and a group named `value`, the finding spans that group only. */
  pattern: RegExp;
  maxLength: number;
  /** Characters a match (and what can still turn into one) is made of, as a character class source. */
  alphabet: string;
  /** Accepts the candidate (after the pattern matched); absent = every candidate. */
  validate?: (value: string, match: RegExpExecArray) => boolean;
  /** The finding's kind from its match; absent = none. */
  kind?: (match: RegExpExecArray) => string | undefined;
  /**
   * Text every match contains: text without it is not scanned at all. Worth giving when the
   * pattern opens with a lookbehind, which keeps V8 from skipping ahead to a likely start and
   * makes it try the whole pattern at every position.
   */
  requires?: string;
}

/** A detector from one global regular expression plus validation, held back by its alphabet. */
export function regexDetector(options: RegexDetectorOptions): Detector {
  const { name, pattern, maxLength, validate, kind } = options;
  if (!pattern.global) throw new Error(`detector ${name}: pattern needs the g flag`);
  const inAlphabet = alphabet(options.alphabet);
  return {
    name,
    maxLength,
    find(text) {
      const findings: Finding[] = [];
      if (options.requires !== undefined && !text.includes(options.requires)) return findings;
      pattern.lastIndex = 0;
      for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
        if (match[0] === "") {
          pattern.lastIndex++;
          continue;
        }
        const span = match.indices?.groups?.value ?? [match.index, match.index + match[0].length];
        const value = text.slice(span[0], span[1]);
        if (validate && !validate(value, match)) continue;
        const finding: Finding = { detector: name, start: span[0], end: span[1], value };
        const findingKind = kind?.(match);
        if (findingKind) finding.kind = findingKind;
        findings.push(finding);
      }
      return findings;
    },
    holdFrom: (text) => trailingRun(text, inAlphabet, maxLength),
  };
}

/** `hold` moved back to the start of any of `findings` (sorted, non-overlapping) that crosses it. */
export function settledHold(findings: readonly Finding[], hold: number): number {
  for (let index = findings.length - 1; index >= 0; index--) {
    const finding = findings[index];
    if (finding.end <= hold) break;
    if (finding.start < hold) return finding.start;
  }
  return hold;
}

/** `hold` moved back until no finding of `findings` (any order, overlapping allowed) crosses it. */
export function settledHoldAny(findings: readonly Pick<Finding, "start" | "end">[], hold: number): number {
  let settled = hold;
  for (let moved = true; moved; ) {
    moved = false;
    for (const finding of findings) {
      if (finding.start < settled && finding.end > settled) {
        settled = finding.start;
        moved = true;
      }
    }
  }
  return settled;
}

/** Findings of `detector` that may cross `hold`: found in the tail from `hold - reach - LOOKBEHIND`, in `text`'s offsets. */
export function tailFindings(detector: Pick<Detector, "find">, text: string, hold: number, reach: number): Finding[] {
  const from = Math.max(0, hold - reach - LOOKBEHIND);
  if (from === 0) return detector.find(text);
  return detector
    .find(text.slice(from))
    .filter((finding) => finding.start >= LOOKBEHIND)
    .map((finding) => ({ ...finding, start: finding.start + from, end: finding.end + from }));
}

// Longest text whose findings rememberLast keeps (a stream's look-behind and held tail are far shorter).
const REMEMBERED_LENGTH = 65_536;

/**
 * `find` answering a repeat of its last text from memory: a stream masker asks find() and then
 * holdFrom() of the same text, and a holdFrom that reads the findings of its tail (tailFindings)
 * would search it twice. Each caller gets its own array (the findings themselves are never edited).
 */
export function rememberLast(find: (text: string) => Finding[]): (text: string) => Finding[] {
  let lastText: string | undefined;
  let lastFindings: Finding[] = [];
  return (text) => {
    if (text !== lastText) {
      lastFindings = find(text);
      lastText = text.length <= REMEMBERED_LENGTH ? text : undefined;
    }
    return lastFindings.slice();
  };
}


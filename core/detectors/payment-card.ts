// Payment card numbers (PAN): 13–19 digits starting with 2–6 (the issuer ranges of Visa,
// Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro), validated by the Luhn checksum, a
// run of one repeated digit refused. Leading 1 is excluded on purpose: millisecond timestamps (13
// digits, 1…) would otherwise pass Luhn one time in ten.
//
// The detector reads chains of digit groups: runs of digits joined by separators of one to five
// characters that are neither letters nor digits (spaces, dashes, dots, slashes, line breaks, mixed;
// compiled detectors read a normalised view, core/text/normalise.ts, so NBSP, full-width, dingbat
// and zero-width tricks are already folded). Inside a chain it finds the card wherever it sits, so
// digits before or after it do not hide it:
// - a group of 13–19 digits on its own; inside a longer run (15–21 digits) a card with at most
//   two digits glued on (`04111111111111111`), taken when its issuer prefix and length agree
//   (Visa 4: 16, 19; Mastercard 51–55, 2221–2720: 16; Amex 34, 37: 15; Discover 6011, 644–649,
//   65; JCB 3528–3589; Diners 36, 38, 39, 300–305; UnionPay 62), the whole run masked; a run past
//   19 digits whose significant digits (trailing zeros dropped) are a card
//   (`4111111111111111000000000000000`, a number printed at full width);
// - groups of four (4-4-4-4, then 1–3 more digits: 17–19), with more groups before or after
//   (`12 4111 1111 1111 1111 123` holds the card);
// - the Amex/Diners 4-6-5 and 4-6-4 groupings, one separator throughout;
// - digit by digit (13–19 single digits) with one separator throughout.
// A number in exponent form is read as the integer it denotes (`4.111111111111111e15`,
// `4111111111111111e0`). Letters, a comma or a minus sign around a card do not hide it (CSV
// `…,4539148803436467`, `-4111…`, `card4111…`); a run right after a decimal point is a fraction
// (`3.4111111111111111`), and digits right after an IBAN's "CC99 " are that IBAN's, not a card.
import { alphabet, mostDigitsWithoutLetters, trailingRun, type Detector, type Finding } from "./detector.js";
import { mergeFindings } from "./merge-findings.js";

/** True when `digits` (only 0–9) passes the Luhn (mod 10) check. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let index = 0; index < digits.length; index++) {
    let digit = digits.charCodeAt(digits.length - 1 - index) - 48;
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

function valid(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19) return false;
  const first = digits.charCodeAt(0);
  if (first < 50 || first > 54) return false; // 2–6
  if (/^(\d)\1*$/.test(digits)) return false;
  return luhnValid(digits);
}

// Issuer prefixes and the lengths their cards have: what a card found inside a longer run must show
// (13-digit Visa numbers, long retired, are left out: they would turn up in too many longer runs).
function issuerLength(digits: string): boolean {
  const length = digits.length;
  const two = Number(digits.slice(0, 2));
  const four = Number(digits.slice(0, 4));
  if (digits[0] === "4") return length === 16 || length === 19;
  if ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)) return length === 16;
  if (two === 34 || two === 37) return length === 15;
  if (four === 6011 || two === 65 || (four >= 6440 && four <= 6499) || (four >= 3528 && four <= 3589) || two === 62) return length >= 16;
  if (two === 36 || two === 38 || two === 39 || (four >= 3000 && four <= 3059)) return length >= 14;
  return false;
}

interface Group {
  start: number;
  end: number;
}

const chainPattern = /\d+(?:[^A-Za-z0-9]{1,5}\d+)*/g;
const digitRun = /\d+/g;
const exponentNumber = /(?<![\d.])(\d{1,22})(?:\.(\d{1,22}))?[eE]([+-]?\d{1,2})(?!\d)/g;
const ibanStart = /[A-Z]{2}\d{2} $/;

const digitsOf = (text: string, groups: readonly Group[], from: number, to: number) => {
  let digits = "";
  for (let index = from; index <= to; index++) digits += text.slice(groups[index]!.start, groups[index]!.end);
  return digits;
};

// The card a run of digits holds: itself, a card with at most three digits glued on, or its significant digits.
function runHoldsCard(run: string): boolean {
  if (valid(run)) return true;
  if (run.length > 19) {
    const significant = run.replace(/0+$/, "");
    if (significant.length >= 13 && valid(significant)) return true;
  }
  if (run.length < 15 || run.length > 21) return false;
  for (let drop = 1; drop <= 2; drop++) {
    for (let before = 0; before <= drop; before++) {
      const window = run.slice(before, run.length - (drop - before));
      if (window.length >= 13 && issuerLength(window) && valid(window)) return true;
    }
  }
  return false;
}

/** Every card in one chain of digit groups (`groups` in text offsets). */
function chainFindings(text: string, groups: readonly Group[], found: Finding[]): void {
  const length = (index: number) => groups[index]!.end - groups[index]!.start;
  const separator = (index: number) => text.slice(groups[index - 1]!.end, groups[index]!.start); // before group index
  const add = (from: number, to: number) => {
    const start = groups[from]!.start;
    if (ibanStart.test(text.slice(Math.max(0, start - 5), start))) return;
    found.push({ detector: "payment-card", start, end: groups[to]!.end, value: text.slice(start, groups[to]!.end) });
  };
  for (let index = 0; index < groups.length; index++) {
    const size = length(index);
    // One run on its own (not the fraction of a decimal number).
    if (size >= 13) {
      const start = groups[index]!.start;
      const fraction = text.charCodeAt(start - 1) === 46 && /\d/.test(text.charAt(start - 2));
      if (!fraction && runHoldsCard(text.slice(start, groups[index]!.end))) add(index, index);
    }
    // 4-4-4-4, then 1–3 digits more when those make the card.
    if (size === 4 && index + 3 < groups.length && length(index + 1) === 4 && length(index + 2) === 4 && length(index + 3) === 4) {
      const sixteen = digitsOf(text, groups, index, index + 3);
      const extra = index + 4 < groups.length && length(index + 4) <= 3 ? index + 4 : -1;
      if (extra > 0 && valid(sixteen + text.slice(groups[extra]!.start, groups[extra]!.end))) add(index, extra);
      else if (valid(sixteen)) add(index, index + 3);
    }
    // Amex / Diners: 4-6-5 or 4-6-4, one separator.
    if (size === 4 && index + 2 < groups.length && length(index + 1) === 6 && (length(index + 2) === 5 || length(index + 2) === 4) && separator(index + 1) === separator(index + 2) && text[groups[index]!.start] === "3") {
      if (valid(digitsOf(text, groups, index, index + 2))) add(index, index + 2);
    }
    // Digit by digit, one separator throughout: the longest valid run of 13–19 single digits.
    if (size === 1 && index + 12 < groups.length) {
      const between = separator(index + 1);
      let last = index;
      while (last + 1 < groups.length && last - index < 18 && length(last + 1) === 1 && separator(last + 1) === between) last++;
      for (let end = last; end >= index + 12; end--) {
        if (valid(digitsOf(text, groups, index, end))) {
          add(index, end);
          break;
        }
      }
    }
  }
}

// The integer digits of mantissa × 10^exponent, or undefined when it is not an integer.
function integerDigits(whole: string, fraction: string, exponent: number): string | undefined {
  const digits = whole + fraction;
  const point = whole.length + exponent;
  if (point <= 0) return undefined;
  if (point < digits.length && !/^0*$/.test(digits.slice(point))) return undefined;
  const integer = point >= digits.length ? digits + "0".repeat(point - digits.length) : digits.slice(0, point);
  return integer.replace(/^0+/, "");
}

/** All cards in `text`, sorted, non-overlapping (longest wins). */
function find(text: string): Finding[] {
  const found: Finding[] = [];
  // Every card in a chain has 13 digits or more, and a chain (digits and what is no ASCII letter or digit) holds no letter.
  chainPattern.lastIndex = mostDigitsWithoutLetters(text) < 13 ? text.length : 0;
  for (let chain = chainPattern.exec(text); chain !== null; chain = chainPattern.exec(text)) {
    if (chain[0].length < 13) continue;
    const groups: Group[] = [];
    digitRun.lastIndex = 0;
    for (let run = digitRun.exec(chain[0]); run !== null; run = digitRun.exec(chain[0])) groups.push({ start: chain.index + run.index, end: chain.index + run.index + run[0].length });
    chainFindings(text, groups, found);
  }
  if (/\d[eE][+-]?\d/.test(text)) {
    exponentNumber.lastIndex = 0;
    for (let number = exponentNumber.exec(text); number !== null; number = exponentNumber.exec(text)) {
      const digits = integerDigits(number[1]!, number[2] ?? "", Number(number[3]));
      if (digits !== undefined && digits.length >= 13 && runHoldsCard(digits)) found.push({ detector: "payment-card", start: number.index, end: number.index + number[0].length, value: number[0] });
    }
  }
  return mergeFindings(found, text);
}

// What a card (and what may still become one) is made of: anything but ASCII letters other than
// the exponent's `e` (a number in exponent form is read whole). Every other character, emoji and
// letters of other scripts included, may separate two digit groups of a chain (chainPattern).
const inAsciiAlphabet = alphabet("^A-DF-Za-df-z");
const inAlphabet = (code: number) => code >= 128 || inAsciiAlphabet(code);
const MAX_LENGTH = 128; // 19 digits and 18 separators of up to 5 characters, and some

// Where a card may still start in `text`'s tail: its first digit (a card starts with one), so
// trailing prose without digits is not held.
function holdFrom(text: string): number {
  for (let at = trailingRun(text, inAlphabet, MAX_LENGTH); at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code >= 48 && code <= 57) return at;
  }
  return text.length;
}

/** The payment card detector. */
export function paymentCardDetector(): Detector {
  // A quiet text has no 13-digit stretch (find's chain test) and no exponent `\d[eE][+-]?\d` (a sign): nothing found in any part of it.
  return { name: "payment-card", maxLength: MAX_LENGTH, find, holdFrom, quiet: { digitRun: 13, holdFrom } };
}

// US Social Security numbers written AAA-GG-SSSS, AAA GG SSSS or AAA.GG.SSSS, the dash also as any
// Unicode dash or minus sign (‐ ‑ ‒ – — ― −: what a word processor or a model writes for "-"), and
// a dash with a blank on either side or both (AAA - GG - SSSS, as typed or pasted from a form: a
// subtraction of exactly that shape in a valid range is masked too); one separator throughout.
// Refused after the pattern: area 000, 666 and 900–999 (never issued), group 00, serial 0000, and
// numbers published as examples (078-05-1120, 219-09-9999). Nine bare digits are not matched: order
// numbers and ids would drown the real ones.
import { alphabet, regexDetector, trailingRun, type Detector } from "./detector.js";

const dashes = "\u2010-\u2015\u2212\ufe58\ufe63";
const pattern = new RegExp(`(?<![\\w.${dashes}-])(\\d{3})( ?[-${dashes}] ?|[ .])(\\d{2})\\2(\\d{4})(?![\\w${dashes}-]|\\.\\d)`, "g");
const published = new Set(["078051120", "219099999"]);

function valid(_value: string, match: RegExpExecArray): boolean {
  const [, area, , group, serial] = match;
  if (area === "000" || area === "666" || area.startsWith("9")) return false;
  if (group === "00" || serial === "0000") return false;
  return !published.has(area + group + serial);
}

/** The US SSN detector. */
export function usSsnDetector(): Detector {
  const detector = regexDetector({ name: "us-ssn", pattern, maxLength: 15, alphabet: "0-9 .-", validate: valid });
  // A stream holds a trailing run of digits and separators, the Unicode dashes among them, and one
  // character more: a dot after the last group may still turn into a decimal (`.1`).
  const inAlphabet = alphabet("0-9 .-");
  const dash = (code: number) => (code >= 0x2010 && code <= 0x2015) || code === 0x2212 || code === 0xfe58 || code === 0xfe63;
  const holdFrom = (text: string) => trailingRun(text, (code) => inAlphabet(code) || dash(code), 16);
  // A match is nine ASCII digits apart only by one repeated separator, so it lies in a stretch
  // without letters holding nine digits (a quiet text has none); its hold settles on no finding.
  return { ...detector, holdFrom, quiet: { digitRun: 9, holdFrom } };
}

// US Social Security numbers written AAA-GG-SSSS or AAA GG SSSS (one separator throughout).
// Refused after the pattern: area 000, 666 and 900–999 (never issued), group 00, serial 0000, and
// numbers published as examples (078-05-1120, 219-09-9999). Nine bare digits are not matched: order
// numbers and ids would drown the real ones.
import { regexDetector, type Detector } from "./detector.js";

const pattern = /(?<![\w.-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\w-]|\.\d)/g;
const published = new Set(["078051120", "219099999"]);

function valid(_value: string, match: RegExpExecArray): boolean {
  const [, area, , group, serial] = match;
  if (area === "000" || area === "666" || area.startsWith("9")) return false;
  if (group === "00" || serial === "0000") return false;
  return !published.has(area + group + serial);
}

/** The US SSN detector. */
export function usSsnDetector(): Detector {
  return regexDetector({ name: "us-ssn", pattern, maxLength: 11, alphabet: "0-9 -", validate: valid });
}

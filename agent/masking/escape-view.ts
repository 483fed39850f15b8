// A second reading of reply text that holds JSON escapes (`zoe\u0040example.org`, `\"`): the same
// text with its escape sequences decoded, scanned beside the text as it is, each finding mapped back
// to the span of the original characters (escapes included) that spell it. A client that parses the
// text as JSON (tool arguments, a model writing JSON in prose) reads the decoded value; the masker
// must find it there too. One level of escapes is decoded, as one JSON.parse would.
import { settledHoldAny } from "../../core/detectors/detector.js";
import { mergeFindings } from "../../core/detectors/merge-findings.js";
import type { Match, MatchScanner } from "./match-scanner.js";

const simple: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
const hex = /^[0-9a-fA-F]{4}$/;
// A trailing escape that may still be completing: "\", "\u", "\u0", "\u00", "\u004".
const partialEscape = /\\(?:u[0-9a-fA-F]{0,3})?$/;

/** `raw` with escapes decoded, and for each decoded index the raw index it starts at (one more entry: raw.length). */
interface Decoded {
  text: string;
  toRaw: number[];
}

function decode(raw: string): Decoded | undefined {
  let text = "";
  const toRaw: number[] = [];
  let changed = false;
  for (let at = 0; at < raw.length; ) {
    if (raw.charCodeAt(at) === 92 /* \ */ && at + 1 < raw.length) {
      const next = raw[at + 1];
      const code = next === "u" ? raw.slice(at + 2, at + 6) : "";
      if (next === "u" && hex.test(code)) {
        toRaw.push(at);
        text += String.fromCharCode(Number.parseInt(code, 16));
        at += 6;
        changed = true;
        continue;
      }
      if (next in simple) {
        toRaw.push(at);
        text += simple[next];
        at += 2;
        changed = true;
        continue;
      }
    }
    toRaw.push(at);
    text += raw[at];
    at++;
  }
  toRaw.push(raw.length);
  return changed ? { text, toRaw } : undefined;
}

function mapped(decoded: Decoded, raw: string, match: Match): Match {
  const start = decoded.toRaw[match.start];
  const end = decoded.toRaw[match.end];
  return { ...match, start, end, value: raw.slice(start, end) };
}

/** `scanner`, also reading the text with its escapes decoded (only text holding a backslash costs more). */
export function escapeAware(scanner: MatchScanner): MatchScanner {
  // The last text scan() found no backslash in: a stream asks holdFrom of the text it just scanned.
  let plainText: string | undefined;
  return {
    scan(text) {
      const plain = scanner.scan(text);
      if (!text.includes("\\")) {
        plainText = text;
        return plain;
      }
      const decoded = decode(text);
      if (!decoded) return plain;
      const other = scanner.scan(decoded.text);
      if (other.spans.length === 0) return plain;
      const matches = other.matches.map((match) => mapped(decoded, text, match));
      return {
        matches: mergeFindings([...plain.matches, ...matches], text),
        spans: [...plain.spans, ...other.spans.map((span) => mapped(decoded, text, span as Match))],
      };
    },
    holdFrom(text, spans) {
      if (text === plainText || !text.includes("\\")) return scanner.holdFrom(text, spans);
      // An escape still completing will add a character where it starts: everything before it is
      // held as if more text were coming there (`zoe.quill\u00` may yet be `zoe.quill@`).
      const partial = partialEscape.exec(text);
      const body = partial ? text.slice(0, partial.index) : text;
      let hold = scanner.holdFrom(body, spans);
      const decoded = decode(body);
      if (decoded) hold = Math.min(hold, decoded.toRaw[scanner.holdFrom(decoded.text, [])]);
      return settledHoldAny(spans, hold);
    },
  };
}

// A second reading of reply text that holds JSON escapes (`zoe\u0040example.org`, `\"`): the same
// text with its escape sequences decoded, scanned beside the text as it is, each finding mapped back
// to the span of the original characters (escapes included) that spell it. A client that parses the
// text as JSON (tool arguments, a model writing JSON in prose) reads the decoded value; the masker
// must find it there too. One level of escapes is decoded, as one JSON.parse would. A stream never
// releases part of an escape a reader decodes (see partialEscapeAt): the text before it is held as
// if more text were still coming there.
import { settledHoldAny } from "../../core/detectors/detector.js";
import { mergeFindings } from "../../core/detectors/merge-findings.js";
import type { Match, MatchScanner } from "./match-scanner.js";

const simple: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
const hex = /^[0-9a-fA-F]{4}$/;
// A trailing escape that may still be completing, of every kind the detector view decodes
// (core/text/normalise.ts) or a JSON reader does: `\`, `\u00`, `\u{4`, `\x4`; `%`, `%4`; `&`, `&#6`,
// `&#x4`, `&comm` (a named reference). Looked for in the last few characters only.
const partialEscape = /(?:\\(?:u(?:[0-9a-fA-F]{0,3}|\{[0-9a-fA-F]{0,6}))?|\\x[0-9a-fA-F]?|%[0-9a-fA-F]?|&(?:#(?:[0-9]{0,7}|[xX][0-9a-fA-F]{0,6})|[a-zA-Z][a-zA-Z0-9]{0,31})?)$/;
// Complete percent-escapes at the end whose last byte is not ASCII: a UTF-8 sequence that may go on (`%E2%80`).
const openPercentRun = /(?:%[0-9a-fA-F]{2})+$/;
const ESCAPE_TAIL = 48;

/** Where a trailing escape still completing starts in `text`, or -1. */
export function partialEscapeAt(text: string): number {
  const from = Math.max(0, text.length - ESCAPE_TAIL);
  if (text.indexOf("\\", from) === -1 && text.indexOf("%", from) === -1 && text.indexOf("&", from) === -1) return -1;
  const tail = text.slice(from);
  const partial = partialEscape.exec(tail);
  if (partial) {
    // A percent escape still completing may also finish a UTF-8 sequence begun by the escapes before it.
    const run = partial[0][0] === "%" ? openPercentRun.exec(tail.slice(0, partial.index)) : null;
    return from + (run ? run.index : partial.index);
  }
  const run = openPercentRun.exec(tail);
  return run && Number.parseInt(tail.slice(-2), 16) >= 0x80 ? from + run.index : -1;
}

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
  return {
    scan(text) {
      const plain = scanner.scan(text);
      if (!text.includes("\\")) return plain;
      const decoded = decode(text);
      if (!decoded) return plain;
      const other = scanner.scan(decoded.text);
      if (other.spans.length === 0) return plain;
      const matches = other.matches.map((match) => mapped(decoded, text, match));
      return {
        matches: mergeFindings([...plain.matches, ...matches]),
        spans: [...plain.spans, ...other.spans.map((span) => mapped(decoded, text, span as Match))],
      };
    },
    holdFrom(text, spans) {
      // An escape still completing will add a character where it starts: everything before it is
      // held as if more text were coming there (`zoe.quill\u00`, `zoe.quill&#6` may yet be `zoe.quill@`).
      const partial = partialEscapeAt(text);
      const body = partial === -1 ? text : text.slice(0, partial);
      if (!body.includes("\\")) return partial === -1 ? scanner.holdFrom(text, spans) : settledHoldAny(spans, scanner.holdFrom(body, spans));
      let hold = scanner.holdFrom(body, spans);
      const decoded = decode(body);
      if (decoded) hold = Math.min(hold, decoded.toRaw[scanner.holdFrom(decoded.text, [])]);
      return settledHoldAny(spans, hold);
    },
  };
}

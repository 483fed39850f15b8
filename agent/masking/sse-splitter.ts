// Splits an upstream `text/event-stream` into whole events as they complete (an event, a line or a
// UTF-8 character may be split across network chunks), keeping each event's own lines so an event
// the masker does not change is sent on exactly as it came, and a changed one keeps its `event:`,
// `id:` and comment lines with only its data replaced. A strict splitter (the reply masker's) needs
// UTF-8 without NULs (a leading BOM is dropped, as SSE clients do) and no event past MAX_EVENT_BYTES: otherwise
// the stream cannot be inspected (UninspectableReply).
import { MAX_EVENT_BYTES, UninspectableReply } from "./uninspectable.js";

/** One event as it came: its lines (without line ends) and its joined data. */
export interface RawEvent {
  /** The event's text up to and including its terminating blank line. */
  raw: string;
  /** The value of its `event:` line, or "" when it has none. */
  name: string;
  /** Its `data:` lines joined with "\n", or undefined when it has none (comments, keep-alives). */
  data: string | undefined;
  /** Its other lines (event, id, retry, comments), to keep when the data is rewritten. */
  otherLines: string[];
}

export interface SseSplitter {
  /** The events completed by `chunk`. */
  push(chunk: Buffer): RawEvent[];
  /** The last event when the stream ended without its blank line (treated as complete). */
  end(): RawEvent[];
}

// An event ends at a blank line: two line ends in a row, each "\r\n", "\n" or "\r" (a "\r" at the
// very end may still be the first half of "\r\n": wait for the next chunk).
const lineEnd = "(?:\\r\\n|\\r(?!\\n|$)|\\n)";
const eventEnd = new RegExp(lineEnd + lineEnd, "g");
const finalLineEnd = "(?:\\r\\n|\\r(?!\\n)|\\n)";
const finalEventEnd = new RegExp(finalLineEnd + finalLineEnd, "g"); // at the end nothing more can come

// Most events are one data line and the blank line: `data: X\n\n`, X without a line end (told by
// indexOf, which is several times faster than a regular expression over the whole event).
function isPlainEvent(raw: string): boolean {
  const end = raw.length - 2;
  return end >= 6 && raw.indexOf("\n") === end && raw.charCodeAt(end + 1) === 10 && raw.indexOf("\r") === -1 && raw.slice(0, 6) === "data: ";
}

function parseEvent(raw: string): RawEvent {
  if (isPlainEvent(raw)) return { raw, name: "", data: raw.slice(6, -2), otherLines: [] };
  const data: string[] = [];
  const otherLines: string[] = [];
  let name = "";
  for (const line of raw.split(/\r\n|\r|\n/)) {
    if (line === "") continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    if (field === "data") {
      const value = colon === -1 ? "" : line.slice(colon + 1);
      data.push(value.startsWith(" ") ? value.slice(1) : value);
      continue;
    }
    if (field === "event") name = line.slice(colon + 1).trimStart();
    otherLines.push(line);
  }
  return { raw, name, data: data.length > 0 ? data.join("\n") : undefined, otherLines };
}

/**
 * A splitter for one stream; `strict`: throws UninspectableReply on bytes that are not UTF-8 or an
 * event that never ends; `atStart` false: the stream's first bytes went by before it (a byte order
 * mark is then text, not dropped).
 */
export function createSseSplitter(strict = false, atStart = true): SseSplitter {
  const decoder = new TextDecoder("utf-8", { fatal: strict, ignoreBOM: !atStart }); // at the start: drops a leading BOM
  const decode = (chunk?: Buffer) => {
    try {
      return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
    } catch {
      throw new UninspectableReply("the stream is not valid UTF-8");
    }
  };
  let pending = "";
  let searchFrom = 0; // pending before this holds no event end (a big event arriving in many chunks is scanned once)
  const drain = (blankLine: RegExp): RawEvent[] => {
    const events: RawEvent[] = [];
    // Without a "\r" from where the search starts (the expression never looks back), every line end
    // is "\n" and a blank line "\n\n": the first match is indexOf's. Events are cut out by
    // position and `pending` once per push (a slice per event re-cut the rest each time).
    const lf = pending.indexOf("\r", searchFrom) === -1;
    let start = 0;
    for (;;) {
      let end: number;
      if (lf) {
        const at = pending.indexOf("\n\n", Math.max(start, searchFrom));
        end = at === -1 ? -1 : at + 2;
      } else {
        blankLine.lastIndex = Math.max(start, searchFrom);
        const match = blankLine.exec(pending);
        end = match ? match.index + match[0].length : -1;
      }
      if (end === -1) {
        if (start > 0) pending = pending.slice(start);
        searchFrom = Math.max(0, pending.length - 3);
        return events;
      }
      events.push(parseEvent(pending.slice(start, end)));
      start = end;
    }
  };
  return {
    push(chunk) {
      // UTF-16 text is valid UTF-8 with NULs between the letters: no event of a text stream holds one.
      if (strict && chunk.indexOf(0) !== -1) throw new UninspectableReply("the stream holds NUL bytes (text in another charset, or binary data)");
      pending += decode(chunk);
      const events = drain(eventEnd);
      if (strict && pending.length > MAX_EVENT_BYTES) throw new UninspectableReply(`an event is longer than ${MAX_EVENT_BYTES} bytes`);
      return events;
    },
    end() {
      pending += decode();
      const events = drain(finalEventEnd);
      if (pending.trim() !== "") events.push(parseEvent(`${pending}\n\n`));
      pending = "";
      searchFrom = 0;
      return events;
    },
  };
}

/** An event's text with its data replaced by `data` (one `data:` line per line of it). */
export function withData(event: Pick<RawEvent, "otherLines">, data: string): string {
  if (event.otherLines.length === 0 && !/[\r\n]/.test(data)) return `data: ${data}\n\n`;
  const lines = event.otherLines.map((line) => `${line}\n`).join("");
  return `${lines}${data.split(/\r\n|\r|\n/).map((line) => `data: ${line}\n`).join("")}\n`;
}

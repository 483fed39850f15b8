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
  // The text of an event not yet ended (it may be a joined string: V8 copies it flat only when it is
  // read, as an event) and its last three characters, where an event end may start that the next
  // chunk completes. Each chunk is searched on its own: appending it to the pending text and
  // searching the whole copied the pending text and the chunk once per push.
  let pending = "";
  let tail = "";
  // The first event end in `text` from `from` (where it starts in `endStart`), or -1.
  let endStart = 0;
  const findEnd = (text: string, from: number, blankLine: RegExp, lf: boolean): number => {
    if (lf) {
      // Without a "\r" from `from` (the expression never looks back), every line end is "\n" and a
      // blank line "\n\n": the first match is indexOf's.
      endStart = text.indexOf("\n\n", from);
      return endStart === -1 ? -1 : endStart + 2;
    }
    blankLine.lastIndex = from;
    const match = blankLine.exec(text);
    if (!match) return -1;
    endStart = match.index;
    return match.index + match[0].length;
  };
  const drain = (text: string, blankLine: RegExp): RawEvent[] => {
    const events: RawEvent[] = [];
    let start = 0; // in text: where the next event's part of it starts (the first one's after `pending`)
    let joined = pending === ""; // whether `pending` went into an event
    if (tail !== "") {
      // An end starting in the tail spans at most four characters and looks one further: the tail
      // and the chunk's first eight decide it as the whole text would.
      const head = tail + text.slice(0, 8);
      const end = findEnd(head, 0, blankLine, head.indexOf("\r") === -1);
      if (end !== -1 && endStart < tail.length) {
        start = end - tail.length;
        events.push(parseEvent(pending + text.slice(0, start)));
        joined = true;
      }
    }
    const lf = text.indexOf("\r", start) === -1;
    for (;;) {
      const end = findEnd(text, start, blankLine, lf);
      if (end === -1) break;
      events.push(parseEvent(joined ? text.slice(start, end) : pending + text.slice(0, end)));
      joined = true;
      start = end;
    }
    const rest = text.length - start;
    if (!joined) {
      pending += text;
      tail = rest >= 3 ? text.slice(-3) : (tail + text).slice(-3);
    } else {
      pending = start === 0 ? text : text.slice(start);
      tail = rest >= 3 ? text.slice(-3) : pending;
    }
    return events;
  };
  return {
    push(chunk) {
      // UTF-16 text is valid UTF-8 with NULs between the letters: no event of a text stream holds one.
      if (strict && chunk.indexOf(0) !== -1) throw new UninspectableReply("the stream holds NUL bytes (text in another charset, or binary data)");
      const events = drain(decode(chunk), eventEnd);
      if (strict && pending.length > MAX_EVENT_BYTES) throw new UninspectableReply(`an event is longer than ${MAX_EVENT_BYTES} bytes`);
      return events;
    },
    end() {
      const events = drain(decode(), finalEventEnd);
      if (pending.trim() !== "") events.push(parseEvent(`${pending}\n\n`));
      pending = "";
      tail = "";
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

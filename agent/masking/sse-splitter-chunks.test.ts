// The splitter searching each chunk on its own (sse-splitter.ts) against the splitter it replaced,
// which appended every chunk to the pending text and searched the whole (kept below verbatim as the
// reference): random streams of every line end (a blank line cut anywhere in "\r\n\r\n", a "\r"
// last in a chunk), comments, names, multi-byte and invalid UTF-8, NULs and a BOM, cut into chunks
// of one byte up to whole events, strict and not: the same events (raw text, name, data, other
// lines) at every push and at the end, and the same refusals.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createSseSplitter, type RawEvent, type SseSplitter } from "./sse-splitter.js";
import { MAX_EVENT_BYTES, UninspectableReply } from "./uninspectable.js";

// The splitter before this change (its module's code from `const lineEnd` on, unchanged).
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
function referenceSplitter(strict = false, atStart = true): SseSplitter {
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

function play(splitter: SseSplitter, chunks: Buffer[]): unknown[] {
  const out: unknown[] = [];
  const take = (events: RawEvent[]) => out.push(events.map((event) => ({ ...event })));
  try {
    for (const chunk of chunks) take(splitter.push(chunk));
    take(splitter.end());
  } catch (error) {
    out.push(`refused: ${(error as Error).message}`);
  }
  return out;
}

const piece = fc.constantFrom(
  "data: ",
  "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}",
  "data:x",
  "event: e",
  "id: 7",
  ": keep-alive",
  "\n",
  "\n\n",
  "\r",
  "\r\r",
  "\r\n",
  "\r\n\r\n",
  "\n\r",
  "\r\n\r",
  "é😀",
  " ",
  "\uFEFF",
  "[DONE]",
);
const bytesOf = (pieces: string[], extra: number[]) => {
  const bytes = Buffer.from(pieces.join(""), "utf8");
  if (extra.length === 0) return bytes;
  // A stray byte somewhere: an invalid UTF-8 sequence, a NUL or a cut character.
  const copy = Buffer.from(bytes);
  for (const at of extra) if (copy.length > 0) copy[at % copy.length] = [0xff, 0x00, 0xc3, 0x80][at % 4];
  return copy;
};

describe("SSE splitter searching each chunk on its own", () => {
  it("cuts the same events at every push as the splitter that searched the pending text whole, and refuses the same (property)", () => {
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 60 }),
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 30 }),
        fc.oneof(fc.constant([] as number[]), fc.array(fc.nat(), { maxLength: 2 })),
        fc.boolean(),
        fc.boolean(),
        (pieces, sizes, extra, strict, atStart) => {
          const bytes = bytesOf(pieces, extra);
          const chunks: Buffer[] = [];
          for (let at = 0, i = 0; at < bytes.length; at += sizes[i++ % sizes.length]) chunks.push(bytes.subarray(at, at + sizes[i % sizes.length]));
          expect(play(createSseSplitter(strict, atStart), chunks)).toEqual(play(referenceSplitter(strict, atStart), chunks));
        },
      ),
      { numRuns: 1500 },
    );
  });

  it("refuses an event longer than the limit arriving in many chunks, as before", () => {
    const chunk = Buffer.from("data: ".padEnd(1 << 20, "x"));
    const chunks = Array.from({ length: MAX_EVENT_BYTES / chunk.length + 1 }, () => chunk);
    const outcome = (splitter: SseSplitter) => {
      for (const [index, each] of chunks.entries()) {
        try {
          splitter.push(each);
        } catch (error) {
          return [index, error instanceof UninspectableReply, (error as Error).message];
        }
      }
      return "taken";
    };
    expect(outcome(createSseSplitter(true))).toEqual(outcome(referenceSplitter(true)));
  });
});

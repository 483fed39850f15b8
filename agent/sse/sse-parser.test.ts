import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createSseParser, type SseEvent } from "./sse-parser.js";

/** `text`'s UTF-8 bytes cut at the positions `cuts` name (each taken modulo the length + 1), in order. */
function cutAt(text: string, cuts: number[]): Uint8Array[] {
  const bytes = new TextEncoder().encode(text);
  const at = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  return [0, ...at].map((from, i) => bytes.subarray(from, [...at, bytes.length][i]));
}

function parse(chunks: (string | Uint8Array)[]): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createSseParser((event) => events.push(event));
  for (const chunk of chunks) parser.push(typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk);
  parser.end();
  return events;
}

describe("createSseParser", () => {
  it("parses named events and multi-line data", () => {
    expect(parse(["event: ping\ndata: a\ndata: b\nid: 7\n\n: comment\ndata:c\n\n"])).toEqual([
      { event: "ping", data: "a\nb", id: "7" },
      { event: "message", data: "c", id: "7" },
    ]);
  });

  it("reassembles events split anywhere across chunks, including CRLF pairs", () => {
    const whole = "data: {\"x\":1}\r\n\r\nevent: done\r\ndata: [DONE]\r\n\r\n";
    const expected = parse([whole]);
    for (let cut = 1; cut < whole.length; cut++) {
      expect(parse([whole.slice(0, cut), whole.slice(cut)])).toEqual(expected);
    }
    expect(expected).toEqual([
      { event: "message", data: '{"x":1}', id: undefined },
      { event: "done", data: "[DONE]", id: undefined },
    ]);
  });

  it("decodes multi-byte characters split between chunks", () => {
    const bytes = new TextEncoder().encode("data: héllo ✓\n\n");
    expect(parse([bytes.subarray(0, 8), bytes.subarray(8, 16), bytes.subarray(16)])).toEqual([
      { event: "message", data: "héllo ✓", id: undefined },
    ]);
  });

  it("drops an unterminated trailing event and events without data", () => {
    expect(parse(["event: empty\n\ndata: partial"])).toEqual([]);
  });

  it("splits lines as the line-by-line reference does, for any text and chunking (property)", () => {
    // The reference: the spec's line splitting, one regular expression and one cut per line.
    const reference = (text: string): string[] => {
      const lines: string[] = [];
      let pending = text.endsWith("\r") ? `${text}\n` : text;
      for (;;) {
        const match = /\r\n|\r|\n/.exec(pending);
        if (!match) return lines;
        lines.push(pending.slice(0, match.index));
        pending = pending.slice(match.index + match[0].length);
      }
    };
    const piece = fc.constantFrom("\r", "\n", "\r\n", "\n\n", "\r\r", "a", "data: x", "é", "event: e", ":c", "");
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 5 }), (pieces, cuts) => {
        const text = pieces.join("");
        const chunks = cutAt(text, cuts);
        // The events made from the reference's lines must equal what the parser makes of the chunks.
        const events = parse(chunks);
        const expected: SseEvent[] = [];
        let data: string[] = [];
        let name = "";
        for (const line of reference(text)) {
          if (line === "") {
            if (data.length > 0) expected.push({ event: name || "message", data: data.join("\n"), id: undefined });
            data = [];
            name = "";
          } else if (line.startsWith("data:")) data.push(line.slice(line.startsWith("data: ") ? 6 : 5));
          else if (line.startsWith("event:")) name = line.slice(line.startsWith("event: ") ? 7 : 6);
        }
        expect(events).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it("reads fields as the spec's line-by-line reference does, for any text and chunking (property)", () => {
    // The reference: the WHATWG interpretation of each line, one cut per line, field and value.
    const reference = (text: string): SseEvent[] => {
      const events: SseEvent[] = [];
      // A leading BOM is dropped by UTF-8 decoding, and one more by the parser (as it always did).
      let body = text;
      for (let bom = 0; bom < 2 && body.startsWith("\uFEFF"); bom++) body = body.slice(1);
      if (body.endsWith("\r")) body += "\n";
      const lines = body.split(/\r\n|\r|\n/);
      lines.pop(); // the text after the last line end is not a line yet
      let data: string[] = [];
      let name = "";
      let id: string | undefined;
      for (const line of lines) {
        if (line === "") {
          if (data.length > 0) events.push({ event: name || "message", data: data.join("\n"), id });
          data = [];
          name = "";
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        let value = colon === -1 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "event") name = value;
        else if (field === "data") data.push(value);
        else if (field === "id" && !value.includes("\0")) id = value;
      }
      return events;
    };
    const piece = fc.constantFrom(
      "\r", "\n", "\r\n", "\n\n", "data: x", "data:y", "data", "data:", "data:  two", "event: e", "event", "id: 7", "id",
      "id: a\0b", "idx: 1", "dat: z", "retry: 5", ":c", ": data: no", "é", "a:b", "\uFEFF", ":", " data: sp", "data: a:b", "ev",
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 5 }), (pieces, cuts) => {
        const text = pieces.join("");
        const chunks = cutAt(text, cuts);
        expect(parse(chunks)).toEqual(reference(text));
      }),
      { numRuns: 1000 },
    );
  });
});


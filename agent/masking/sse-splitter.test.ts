import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createSseSplitter, withData } from "./sse-splitter.js";

function split(text: string, size: number) {
  const splitter = createSseSplitter();
  const bytes = Buffer.from(text, "utf8");
  const events = [];
  for (let at = 0; at < bytes.length; at += size) events.push(...splitter.push(bytes.subarray(at, at + size)));
  return [...events, ...splitter.end()];
}

describe("SSE splitter", () => {
  const stream = 'event: a\r\ndata: {"x":"é😀"}\r\n\r\n: keep-alive\n\ndata: one\ndata:two\n\nid: 7\rdata: three\r\r';

  it("finds the same events whatever the chunking, with every line ending and split UTF-8", () => {
    for (const size of [1, 2, 3, 5, 1000]) {
      const events = split(stream, size);
      expect(events.map((event) => [event.name, event.data])).toEqual([
        ["a", '{"x":"é😀"}'],
        ["", undefined],
        ["", "one\ntwo"],
        ["", "three"],
      ]);
      expect(events.map((event) => event.raw).join("")).toBe(stream);
    }
  });

  it("waits for the second half of a CRLF blank line and treats an unterminated last event as complete at the end", () => {
    const splitter = createSseSplitter();
    expect(splitter.push(Buffer.from("data: a\r\n\r"))).toEqual([]);
    expect(splitter.push(Buffer.from("\ndata: b")).map((event) => event.data)).toEqual(["a"]);
    expect(splitter.end().map((event) => event.data)).toEqual(["b"]);
  });

  it("reads one-line data events (its quick path) as the line by line reading does", () => {
    // The event format read line by line (the path every other event takes), as the reference.
    const reference = (raw: string) => {
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
        } else {
          if (field === "event") name = line.slice(colon + 1).trimStart();
          otherLines.push(line);
        }
      }
      return { raw, name, data: data.length > 0 ? data.join("\n") : undefined, otherLines };
    };
    const piece = fc.constantFrom("data: ", "data: ", "data:", "data", "event: x", ": c", "x", " ", "\r", "\n", "\r\n", "é", ":", "{\"a\":1}");
    fc.assert(fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
      const text = `${pieces.join("")}\n\n`;
      const events = split(text, 1000);
      expect(events).toEqual(events.map((event) => reference(event.raw)));
    }), { numRuns: 1000 });
  });

  it("rewrites only the data lines, keeping event, id and comment lines", () => {
    const [event] = split("event: x\nid: 3\n: note\ndata: old\n\n", 4);
    expect(withData(event, "new\nline")).toBe("event: x\nid: 3\n: note\ndata: new\ndata: line\n\n");
  });

  it("cuts the same events at the same pushes as the expression-only splitter did, for any text and chunking (property)", () => {
    // The reference: the splitter before the "\n\n" quick path, its events' raw texts per push.
    const reference = (chunks: Buffer[]) => {
      const lineEnd = "(?:\\r\\n|\\r(?!\\n|$)|\\n)";
      const finalLineEnd = "(?:\\r\\n|\\r(?!\\n)|\\n)";
      const decoder = new TextDecoder("utf-8", { fatal: false });
      let pending = "";
      let searchFrom = 0;
      const drain = (blankLine: RegExp) => {
        const raws: string[] = [];
        for (;;) {
          blankLine.lastIndex = searchFrom;
          const match = blankLine.exec(pending);
          if (!match) {
            searchFrom = Math.max(0, pending.length - 3);
            return raws;
          }
          const end = match.index + match[0].length;
          raws.push(pending.slice(0, end));
          pending = pending.slice(end);
          searchFrom = 0;
        }
      };
      const out = chunks.map((chunk) => {
        pending += decoder.decode(chunk, { stream: true });
        return drain(new RegExp(lineEnd + lineEnd, "g"));
      });
      pending += decoder.decode();
      const last = drain(new RegExp(finalLineEnd + finalLineEnd, "g"));
      if (pending.trim() !== "") last.push(`${pending}\n\n`);
      return [...out, last];
    };
    const piece = fc.constantFrom("data: x", "data: {\"a\":1}", "event: e", ": c", "\n", "\n\n", "\r", "\r\n", "\r\n\r\n", "\n\r", "é", " ", "\uFEFF");
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 8 }), (pieces, cutsAt) => {
        const bytes = Buffer.from(pieces.join(""), "utf8");
        const cuts = [...new Set(cutsAt.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...cuts].map((from, at) => bytes.subarray(from, [...cuts, bytes.length][at]));
        const splitter = createSseSplitter();
        const got = [...chunks.map((chunk) => splitter.push(chunk).map((event) => event.raw)), splitter.end().map((event) => event.raw)];
        expect(got).toEqual(reference(chunks));
      }),
      { numRuns: 1000 },
    );
  });
});

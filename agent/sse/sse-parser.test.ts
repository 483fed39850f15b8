import { describe, expect, it } from "vitest";
import { createSseParser, type SseEvent } from "./sse-parser.js";

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
});

// Masks a reply labelled as JSON lines (application/x-ndjson, jsonl: Ollama-style streams on a
// generic connection) as it streams, line by line, instead of reading it whole: each complete line
// goes through the SSE masker as the data of one event (JSON lines field by field, joined across
// lines like events; other lines as text) and comes out as a line again. Blank lines are dropped
// (readers skip them), line breaks written as "\n". What the masker holds (a value that may go on
// into the next line) waits for that line, as events do.
import type { ResponseStream, StreamOutput } from "./response-stream.js";
import { UninspectableReply } from "./uninspectable.js";

const empty = Buffer.alloc(0);

/** Whether a content type labels JSON lines. */
export const isJsonLines = (contentType: string): boolean => /^\s*application\/(?:x-)?(?:ndjson|jsonl|jsonlines|json-lines)\b/i.test(contentType);

/** SSE text the masker sent (`data: X\n\n` events) as lines. */
function asLines(sse: Buffer): Buffer {
  if (sse.length === 0) return empty;
  let out = "";
  for (const event of sse.toString("utf8").split("\n\n")) {
    if (event === "") continue;
    out += `${event.split("\n").map((line) => (line.startsWith("data: ") ? line.slice(6) : line.startsWith("data:") ? line.slice(5) : line)).join("\n")}\n`;
  }
  return Buffer.from(out, "utf8");
}

/** `inner` (a fresh SSE masker of the reply) fed line by line. */
export function createJsonLinesStream(inner: ResponseStream): ResponseStream {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let pending = "";
  const convert = (out: StreamOutput): StreamOutput => {
    const client = asLines(out.client);
    return { client, record: out.record === out.client ? client : asLines(out.record) };
  };
  const feed = (lines: string[]): StreamOutput => {
    const text = lines.filter((line) => line.trim() !== "").map((line) => `data: ${line}\n\n`).join("");
    return convert(inner.push(Buffer.from(text, "utf8")));
  };
  return {
    push(chunk) {
      try {
        pending += decoder.decode(chunk, { stream: true });
      } catch {
        throw new UninspectableReply("the stream is not valid UTF-8");
      }
      // A "\r" at the very end may be the first half of "\r\n": it waits.
      const lines = pending.split(/\r\n|\r(?!$)|\n/);
      pending = lines.pop() as string;
      return lines.length === 0 ? { client: empty, record: empty } : feed(lines);
    },
    end() {
      const last = feed(pending.replace(/\r$/, "") === "" ? [] : [pending.replace(/\r$/, "")]);
      pending = "";
      const tail = convert(inner.end());
      return { client: Buffer.concat([last.client, tail.client]), record: Buffer.concat([last.record, tail.record]) };
    },
  };
}

// An incremental parser for server-sent events (the WHATWG `text/event-stream` format), fed raw
// byte chunks in whatever pieces the network delivers: an event, a line or even a multi-byte
// character may be split across chunks. It only observes; the bytes themselves are forwarded
// untouched elsewhere.

/** One dispatched server-sent event. `event` is "message" when the stream named none. */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
  /** The data already parsed as JSON by an earlier reader of the stream (see parsed-events.ts). */
  json?: { value: unknown };
}

/** Feeds chunks in; calls `onEvent` for every complete event. */
export interface SseParser {
  push(chunk: Uint8Array): void;
  /** Dispatches nothing more; a trailing event without its blank line is dropped, as the spec says. */
  end(): void;
}

/** Creates a parser that calls `onEvent` for each event as soon as its terminating blank line arrives. */
export function createSseParser(onEvent: (event: SseEvent) => void): SseParser {
  const decoder = new TextDecoder("utf-8");
  let pending = "";
  let eventName = "";
  let data: string[] = [];
  let id: string | undefined;
  let first = true;

  const dispatch = () => {
    if (data.length > 0) onEvent({ event: eventName || "message", data: data.join("\n"), id });
    eventName = "";
    data = [];
  };

  const line = (text: string) => {
    if (text === "") return dispatch();
    if (text.startsWith(":")) return;
    const colon = text.indexOf(":");
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") eventName = value;
    else if (field === "data") data.push(value);
    else if (field === "id" && !value.includes("\0")) id = value;
  };

  // Lines are read by position and `pending` cut once per chunk (a slice per line made the parser
  // copy and re-scan). `nextCr` and `lf` are the next "\r" and "\n" at or after the read position
  // (-1: none left in `pending`), each found again only once passed, so text with only one kind of
  // line end is scanned for the other once.
  const drain = () => {
    let start = 0;
    let nextCr = pending.indexOf("\r");
    let lf = pending.indexOf("\n");
    for (;;) {
      if (nextCr !== -1 && nextCr < start) nextCr = pending.indexOf("\r", start);
      if (lf !== -1 && lf < start) lf = pending.indexOf("\n", start);
      if (nextCr !== -1 && (lf === -1 || nextCr < lf)) {
        // A lone "\r" at the very end may be the first half of "\r\n": wait for the next chunk.
        if (nextCr === pending.length - 1) break;
        line(pending.slice(start, nextCr));
        start = pending.charCodeAt(nextCr + 1) === 0x0a ? nextCr + 2 : nextCr + 1;
        continue;
      }
      if (lf === -1) break;
      line(pending.slice(start, lf));
      start = lf + 1;
    }
    if (start > 0) pending = pending.slice(start);
  };

  return {
    push(chunk) {
      let text = decoder.decode(chunk, { stream: true });
      if (first && text.length > 0) {
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        first = false;
      }
      pending += text;
      drain();
    },
    end() {
      pending += decoder.decode();
      if (pending.endsWith("\r")) pending += "\n";
      drain();
      pending = "";
    },
  };
}

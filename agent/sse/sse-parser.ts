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
  /**
   * Reads `events` as if their bytes (each `data: ${data}\n\n`, no CR or LF in a data) were pushed,
   * and returns true, when nothing is pending (at an event boundary, no character cut) and some
   * bytes were read before (the decoder would drop a byte order mark at the start); returns false
   * and reads nothing otherwise (push the bytes then). A parsed event comes with its value.
   */
  pushEvents(events: readonly (string | { data: string; value: unknown })[]): boolean;
  /** Dispatches nothing more; a trailing event without its blank line is dropped, as the spec says. */
  end(): void;
}

/** Creates a parser that calls `onEvent` for each event as soon as its terminating blank line arrives. */
export function createSseParser(onEvent: (event: SseEvent) => void): SseParser {
  const decoder = new TextDecoder("utf-8");
  let pending = "";
  let eventName = "";
  // The data lines so far, joined by "\n" as they come (undefined: none): no list per event.
  let data: string | undefined;
  let id: string | undefined;
  let first = true;
  // Some bytes went through the decoder (which drops a byte order mark only at their start), the
  // last of them ASCII: it holds no part of a character.
  let whole = false;

  const dispatch = () => {
    if (data !== undefined) onEvent({ event: eventName || "message", data, id });
    eventName = "";
    data = undefined;
  };

  /** True when the line at `start` (its colon at `colon`, -1: none, before `end`) names `field`. */
  const names = (start: number, end: number, colon: number, field: string) =>
    (colon === -1 ? end - start : colon - start) === field.length && pending.startsWith(field, start);

  // One line of `pending`, from `start` to `end` (its line end excluded): read in place, only its
  // value cut out (a line, a field name or a value without the space were each a string before).
  const line = (start: number, end: number) => {
    if (start === end) return dispatch();
    const lead = pending.charCodeAt(start);
    if (lead === 0x3a) return; // a comment
    // Only data, event and id are read: the colon is looked for in lines that may be one of them.
    let colon = lead === 0x64 || lead === 0x65 || lead === 0x69 ? pending.indexOf(":", start) : -1; // d(ata), e(vent), i(d)
    if (colon >= end) colon = -1;
    let from = colon === -1 ? end : colon + 1;
    if (from < end && pending.charCodeAt(from) === 0x20) from++;
    if (names(start, end, colon, "data")) {
      const value = pending.slice(from, end);
      data = data === undefined ? value : `${data}\n${value}`;
    } else if (names(start, end, colon, "event")) {
      eventName = pending.slice(from, end);
    } else if (names(start, end, colon, "id")) {
      const value = pending.slice(from, end);
      if (!value.includes("\0")) id = value;
    }
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
        line(start, nextCr);
        start = pending.charCodeAt(nextCr + 1) === 0x0a ? nextCr + 2 : nextCr + 1;
        continue;
      }
      if (lf === -1) break;
      line(start, lf);
      start = lf + 1;
    }
    if (start > 0) pending = pending.slice(start);
  };

  return {
    push(chunk) {
      if (chunk.length > 0) whole = chunk[chunk.length - 1]! < 0x80;
      let text = decoder.decode(chunk, streaming);
      if (first && text.length > 0) {
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        first = false;
      }
      pending = pending === "" ? text : pending + text;
      drain();
    },
    pushEvents(events) {
      if (!whole || pending !== "" || data !== undefined || eventName !== "") return false;
      // What push() would do: each event's one data line (its text after "data: "), then the blank line that dispatches it.
      for (const event of events) {
        if (typeof event === "string") onEvent({ event: "message", data: event, id });
        else onEvent({ event: "message", data: event.data, id, json: { value: event.value } });
      }
      return true; // (`first` is false already: the bytes read so far ended with a character)
    },
    end() {
      pending += decoder.decode();
      if (pending.endsWith("\r")) pending += "\n";
      drain();
      pending = "";
    },
  };
}

const streaming = { stream: true } as const;

// Server-sent events whose data one reader of a stream already parsed as JSON, handed to the
// readers after it so each event is parsed once: the reply masker parses every upstream event and
// lists, per chunk of its output, each event's data with the value it parsed to; the recorder's
// stream reader, which splits the same bytes again, takes the value instead of parsing the data
// when its event's data is exactly the listed one (anything else it parses itself, as before).
import type { SseEvent } from "./sse-parser.js";

/** One event's data and its JSON value (undefined: not JSON), exactly as `JSON.parse` reads it. */
export interface ParsedData {
  data: string;
  value: unknown;
}

/** The events of one chunk of masked output, in order, by side (what the caller gets, what the record keeps). */
export interface ParsedEvents {
  client: ParsedData[];
  record: ParsedData[];
  /**
   * When the side's bytes are events written `data: ${data}\n\n` and nothing else, each data on one
   * line (no CR or LF in it): those events in order, each its parsed data as listed above, or its
   * data alone when it was not parsed. A reader at an event boundary then takes these instead of
   * reading the bytes (sse-parser.ts, pushEvents): the same events come out.
   */
  clientEvents?: WrittenEvent[];
  recordEvents?: WrittenEvent[];
}

/** One event of ParsedEvents' `clientEvents`/`recordEvents`: its parsed data, or its data alone when not parsed. */
export type WrittenEvent = ParsedData | string;

/** Hands the values listed for one chunk to the events parsed from that chunk's bytes. */
export interface ParsedLookup {
  /** The values listed for the chunk about to be read (replaces any left from the previous one). */
  offer(list: readonly ParsedData[] | undefined): void;
  /** `event` with the listed value attached when its data is the next listed data. */
  attach(event: SseEvent): SseEvent;
}

export function createParsedLookup(): ParsedLookup {
  let list: readonly ParsedData[] = [];
  let next = 0;
  return {
    offer(offered) {
      list = offered ?? [];
      next = 0;
    },
    attach(event) {
      const head = list[next];
      if (head === undefined || head.data !== event.data) return event; // out of step: parse it (the next ones may still match)
      next++;
      event.json = { value: head.value };
      return event;
    },
  };
}

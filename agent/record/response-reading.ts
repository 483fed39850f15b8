// What the record keeps of a response body: a stream read event by event through the provider's
// reader (text and usage, sharing the masker's parsed events when there are some), a whole body
// captured up to the record limit (or taken as the masker already decoded and parsed it).
import type { ProviderSpec, UsageCounts } from "../providers/index.js";
import { parseJson } from "../providers/json-fields.js";
import { createParsedLookup, type ParsedEvents } from "../sse/parsed-events.js";
import { createSseParser } from "../sse/sse-parser.js";
import { createTextCapture, cutString } from "./text-capture.js";
import { LastKept } from "../masking/last-kept.js";

/** A whole JSON body the masker has already decoded and parsed: its text, and JSON.parse's value of it. */
export interface SharedDocument {
  text: string;
  value: unknown;
}

/** What the record keeps of a response body as it comes: its text (bounded), usage, and whether it was streamed. */
export interface ResponseReading {
  /** `events`: the chunk's events when its bytes are those written plainly (ParsedEvents' `clientEvents`), taken instead of its bytes at an event boundary. */
  chunk(chunk: Uint8Array, parsed?: ParsedEvents["client"], events?: ParsedEvents["clientEvents"]): void;
  /** The whole body at once, maybe already decoded and parsed. */
  whole(body: Uint8Array, parsed?: SharedDocument): void;
  result(limit: number): { text: string; truncated: boolean; usage?: UsageCounts; streamed: boolean };
}

/** The last stream reading made (last-kept.ts). */
export const lastReading = new LastKept<ResponseReading>();

export function readStream(provider: ProviderSpec, limit: number): ResponseReading | undefined {
  // Characters are at most 3 UTF-8 bytes here (4-byte ones are 2 code units), so `limit` code
  // units always cover `limit` bytes of text; cutString then trims to the byte limit.
  const reader = provider.streamReader(limit);
  if (!reader) return undefined;
  const lookup = createParsedLookup();
  const parser = createSseParser((event) => reader.event(lookup.attach(event)));
  const chunk = (bytes: Uint8Array, parsed?: ParsedEvents["client"], events?: ParsedEvents["clientEvents"]) => {
    if (events && bytes.length > 0) {
      lookup.offer(undefined); // the events come with their values: nothing to attach
      if (parser.pushEvents(events)) return;
    }
    lookup.offer(parsed);
    parser.push(bytes);
  };
  // The last stream's reading stays alive until the next one (its maps, and so the reader's optimized code: last-kept.ts).
  return lastReading.keep({
    chunk,
    whole: (body) => chunk(body),
    result: () => {
      parser.end();
      const { text, truncated } = cutString(reader.text(), limit);
      return { text, truncated: truncated || reader.truncated(), usage: reader.usage(), streamed: true };
    },
  });
}

/**
 * How much of a whole (not streamed) body past the record's limit is still kept to read its usage:
 * token limits settle to it (a reply made long on purpose must not leave only the estimate charged),
 * and the record keeps it. Past this, the usage is unknown and the reservation stands.
 */
export const usageReadBytes = 16 * 1024 * 1024;

export function readWhole(provider: ProviderSpec, limit: number, streamed: boolean): ResponseReading {
  const capture = createTextCapture(limit, streamed ? 0 : usageReadBytes);
  let shared: SharedDocument | undefined;
  return {
    chunk: (chunk) => capture.push(chunk),
    whole(body, parsed) {
      if (parsed) shared = parsed;
      else capture.push(body);
    },
    result: () => {
      if (shared) {
        const { text, truncated } = cutString(shared.text, limit);
        return { text, truncated, usage: streamed ? undefined : provider.readUsage(shared.value), streamed };
      }
      const { text, truncated } = capture.result();
      if (streamed) return { text, truncated, streamed };
      const whole = truncated ? capture.whole()?.toString("utf8") : text;
      return { text, truncated, usage: whole === undefined ? undefined : provider.readUsage(parseJson(whole)), streamed };
    },
  };
}

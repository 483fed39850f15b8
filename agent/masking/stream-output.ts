// Joins the events a stream masker releases at once into the bytes of one write, per side (what
// the caller gets, what the record keeps), with the parsed values listed for the readers after it.
// The record's text is made only from the first event whose record text differs from its client
// text: until then it is the client's text, neither joined a second time nor compared whole (a long
// first read of a few hundred events is tens of KB joined and flattened twice otherwise).
import type { MaskedBody } from "../../core/detectors/mask-types.js";
import type { ParsedData, ParsedEvents, WrittenEvent } from "../sse/parsed-events.js";

const DATA = "data: ";

/** One event as rendered for both sides (the same string twice when they agree). */
export interface RenderedEvent {
  client: string;
  record: string;
  parsed?: { client?: ParsedData; record?: ParsedData };
  /** Each side is `data: ${data}\n\n`, the data without CR or LF (its listed data when it is listed): set by the renderer that wrote it so. */
  plain?: boolean;
}

/** What to send now, and the events in it whose data was parsed here (readers after the masker reuse it). */
export type StreamOutput = MaskedBody & { parsed?: ParsedEvents };

/** `events` (at least one) joined: the client's and the record's bytes, one buffer when they are the same text. */
export function joinEvents(events: readonly RenderedEvent[]): StreamOutput {
  let client = "";
  let record: string | undefined; // undefined while every event's record text is its client text
  const parsed: ParsedEvents = { client: [], record: [] };
  // Each side's events as written, while every event is plain (undefined from the first that is not).
  let clientEvents: WrittenEvent[] | undefined = [];
  let recordEvents: WrittenEvent[] | undefined = [];
  for (const out of events) {
    if (record === undefined && out.record !== out.client) record = client;
    client += out.client;
    if (record !== undefined) record += out.record;
    if (out.parsed?.client) parsed.client.push(out.parsed.client);
    if (out.parsed?.record) parsed.record.push(out.parsed.record);
    if (out.plain !== true) clientEvents = recordEvents = undefined;
    clientEvents?.push(out.parsed?.client ?? out.client.slice(DATA.length, -2));
    recordEvents?.push(out.parsed?.record ?? out.record.slice(DATA.length, -2));
  }
  const clientBytes = Buffer.from(client, "utf8");
  if (record === undefined || client === record) return { client: clientBytes, record: clientBytes, parsed: { client: parsed.client, record: parsed.client, clientEvents, recordEvents: clientEvents } };
  return { client: clientBytes, record: Buffer.from(record, "utf8"), parsed: { ...parsed, clientEvents, recordEvents } };
}

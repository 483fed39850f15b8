// Relays the upstream's response body to the caller, through the exchange's mask session when the
// policies mask responses. Streams stay streams: each upstream chunk goes through the masker and
// what it releases is written at once (it holds back only a tail that could still become a match).
// A whole (non-streamed) body is read in full, masked, and sent with its new Content-Length.
import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { Dispatcher } from "undici";
import type { MaskSession } from "../masking/mask-session.js";
import type { StreamFilter } from "../providers/index.js";
import type { ParsedEvents } from "../sse/parsed-events.js";
import type { ExchangeRecorder } from "../record/exchange-recorder.js";

/** One upstream response on its way to the caller. */
export interface Relay {
  upstream: Dispatcher.ResponseData;
  res: ServerResponse;
  headers: OutgoingHttpHeaders;
  streamed: boolean;
  contentType: string;
  recorder: ExchangeRecorder;
  /** The mask session when responses are masked. */
  masking?: MaskSession;
  /** Rewrites a stream after masking, on its way to the caller (the recorder sees the bytes before it). */
  filter?: StreamFilter;
  /** True once the caller has gone (checked after every write). */
  callerGone(): boolean;
}

/** Resolves once the caller can take more data, or has gone. */
function writable(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/** Sends the whole body; throws when the upstream breaks off or the caller goes. */
export async function relayResponse(relay: Relay): Promise<void> {
  if (relay.masking && !relay.streamed) return relayWholeMasked(relay, relay.masking);
  const { upstream, res, recorder } = relay;
  // An event stream's first event may be long in coming (the model is thinking); the caller's SDK
  // waits for the headers, so send them now. A whole body's status goes with its first byte, so an
  // upstream that stalls before that can still be answered 504 (cut-answer.ts).
  const head = () => res.headersSent || res.writeHead(upstream.statusCode, relay.headers);
  if (relay.streamed) {
    head();
    res.flushHeaders();
  }
  const stream = relay.masking?.responseStream();
  const filter = relay.filter;
  const send = async (client: Buffer, record?: Buffer, parsed?: ParsedEvents) => {
    const out = filter ? filter.push(client) : client;
    let more = true;
    if (out.length > 0) {
      recorder.firstByte();
      head();
      more = res.write(out);
    }
    recorder.responseChunk(client, record, parsed);
    if (!more) await writable(res);
  };
  for await (const chunk of upstream.body as AsyncIterable<Buffer>) {
    if (stream) {
      const out = stream.push(chunk);
      await send(out.client, out.record, out.parsed);
    } else {
      recorder.firstByte();
      await send(chunk);
    }
    if (relay.callerGone()) break;
  }
  if (relay.callerGone()) throw new Error("caller closed the connection");
  if (stream) {
    const tail = stream.end();
    await send(tail.client, tail.record, tail.parsed);
  }
  recorder.firstByte();
  head();
  res.end(filter?.end());
}

async function relayWholeMasked(relay: Relay, masking: MaskSession): Promise<void> {
  const { upstream, res, recorder } = relay;
  const chunks: Buffer[] = [];
  for await (const chunk of upstream.body as AsyncIterable<Buffer>) chunks.push(chunk);
  const out = masking.maskResponse(Buffer.concat(chunks), relay.contentType);
  res.writeHead(upstream.statusCode, { ...relay.headers, "content-length": String(out.client.length) });
  recorder.firstByte();
  res.end(out.client);
  recorder.responseChunk(out.client, out.record);
}

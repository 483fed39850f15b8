// Relays the upstream's response body to the caller as it comes. A reply the exchange's mask session
// must read (masking or restoring) goes through relay-inspected.ts instead, which does not trust the
// reply's content type or encoding and sends nothing it has not inspected.
import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { Dispatcher } from "undici";
import type { ProviderSpec, StreamFilter } from "../providers/index.js";
import type { ExchangeRecorder } from "../record/exchange-recorder.js";
import type { EchoGuard } from "./credential-echo.js";

/** One upstream response on its way to the caller. */
export interface Relay {
  upstream: Dispatcher.ResponseData;
  res: ServerResponse;
  headers: OutgoingHttpHeaders;
  /** The upstream labelled its body text/event-stream. */
  streamed: boolean;
  contentType: string;
  provider: ProviderSpec;
  recorder: ExchangeRecorder;
  /** Rewrites a stream after masking, on its way to the caller (the recorder sees the bytes before it). */
  filter?: StreamFilter;
  /** Searches the body for the connection's credential (credential-echo.ts): what it holds back goes later, or never. */
  echo: EchoGuard;
  /** True once the caller has gone (checked after every write). */
  callerGone(): boolean;
  /** Resolves once the caller can take more data, or has gone. */
  writable(): Promise<void>;
}

/**
 * Resolves once the caller can take more data, or has gone. A caller that takes nothing for
 * `idleMs` is cut (`stalled` is told first): the upstream's own idle clock does not run while the
 * agent waits on the caller (undici pauses it), so without this a caller that stops reading would
 * hold the upstream, its socket and an audit-buffer slot for ever.
 */
export function writable(res: ServerResponse, idleMs = 0, stalled?: () => void): Promise<void> {
  return new Promise((resolve) => {
    const timer = idleMs > 0
      ? setTimeout(() => {
        stalled?.();
        res.destroy();
      }, idleMs)
      : undefined;
    const done = () => {
      clearTimeout(timer);
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/** Sends the whole body as it comes; throws when the upstream breaks off or the caller goes. */
export async function relayResponse(relay: Relay): Promise<void> {
  const { upstream, res, recorder } = relay;
  recorder.responseStart(relay.provider, relay.contentType);
  // An event stream's first event may be long in coming (the model is thinking); the caller's SDK
  // waits for the headers, so send them now. A whole body's status goes with its first byte, so an
  // upstream that stalls before that can still be answered 504 (cut-answer.ts).
  const head = () => res.headersSent || res.writeHead(upstream.statusCode, relay.headers);
  if (relay.streamed) {
    head();
    res.flushHeaders();
  }
  const filter = relay.streamed ? relay.filter : undefined; // an error answer in JSON goes through as it is
  for await (const received of upstream.body as AsyncIterable<Buffer>) {
    const chunk = relay.echo.push(received);
    if (chunk.length === 0) continue; // all of it could begin the credential: the next chunk tells
    const out = filter ? filter.push(chunk) : chunk;
    recorder.firstByte();
    let more = true;
    if (out.length > 0) {
      head();
      more = res.write(out);
    }
    recorder.responseChunk(chunk);
    if (!more) await relay.writable();
    if (relay.callerGone()) break;
  }
  if (relay.callerGone()) throw new Error("caller closed the connection");
  recorder.firstByte();
  head();
  const rest = relay.echo.end();
  if (rest.length > 0) {
    res.write(filter ? filter.push(rest) : rest);
    recorder.responseChunk(rest);
  }
  res.end(filter?.end());
}

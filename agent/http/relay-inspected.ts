// Relays a reply that must be read before the caller gets it (a mask policy applies to responses, or
// placeholders are to be restored), without trusting what the upstream says it is: its
// content-encoding is undone (reply-decoding.ts), its charset read and turned into UTF-8
// (reply-charset.ts), its headers masked, and its form sniffed from the bytes: a body opening with SSE fields (or labelled text/event-stream) is masked as a stream and
// released as it is settled; anything else is read whole (JSON, NDJSON or text, by content) and sent
// masked with its new length. Whatever cannot be read throws UninspectableReply (the fail-closed
// rule in agent/masking/uninspectable.ts); nothing unread reaches the caller.
import type { OutgoingHttpHeaders } from "node:http";
import type { MaskSession } from "../masking/mask-session.js";
import type { ResponseStream } from "../masking/response-stream.js";
import { createJsonLinesStream, isJsonLines } from "../masking/ndjson-stream.js";
import { MAX_WHOLE_REPLY_BYTES, UninspectableReply } from "../masking/uninspectable.js";
import type { ParsedEvents } from "../sse/parsed-events.js";
import { createCharsetReader, utf8ContentType } from "./reply-charset.js";
import { checkCodings, contentCodings, decodeBody } from "./reply-decoding.js";
import type { Relay } from "./relay-response.js";

const isEventStream = (contentType: string) => /^\s*text\/event-stream/i.test(contentType);
// The opening of an SSE stream: a comment, or a field line of the four the format defines.
const sseOpening = /^(?::|(?:data|event|id|retry)(?::|\r|\n))/;
const fieldPrefixes = ["data", "event", "id", "retry"];
const SNIFF_BYTES = 4096;
// A stream's first long read (a provider that wrote many events at once, or a reply that waited on
// a slow model) is masked in two steps: its first FIRST_SLICE bytes, sent at once, then the rest.
// The caller's first events then wait for a slice's masking, not the whole read's; the bytes sent
// are the same (the masker takes any cut, even inside a character).
const FIRST_SLICE = 2048;

/** "sse", "whole", or undefined while the bytes so far cannot tell (only whitespace, or a field name cut short). */
export function sniff(head: string, contentType: string): "sse" | "whole" | undefined {
  const text = head.replace(/^\uFEFF/, "").trimStart();
  if (text === "") return undefined;
  if (text[0] === "{" || text[0] === "[") return "whole";
  if (isEventStream(contentType) || sseOpening.test(text)) return "sse";
  if (!/[\r\n:]/.test(text) && fieldPrefixes.some((field) => field.startsWith(text) || text.startsWith(field))) return undefined;
  return "whole";
}

/** Whether UTF-8 `bytes` open with "{" or "[" (what sniff() tells "whole" on its first character). */
export const opensDocument = (bytes: Buffer) => bytes[0] === 0x7b || bytes[0] === 0x5b;

/** Resolves after the ticks queued so far (node:http uncorks a chunked response's socket in one). */
const nextTick = () => new Promise<void>((resolve) => process.nextTick(resolve));

/** The bytes of `chunks` as one buffer (the one chunk itself when there is one: no copy). */
const joined = (chunks: Buffer[]) => (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));

/** The opening of the body read so far (at most SNIFF_BYTES, a character cut at the end does not matter: only the opening is read). */
function headOf(chunks: Buffer[]): string {
  const first = chunks[0]!;
  if (chunks.length === 1 || first.length >= SNIFF_BYTES) return first.toString("utf8", 0, Math.min(first.length, SNIFF_BYTES));
  return Buffer.concat(chunks).toString("utf8", 0, SNIFF_BYTES);
}

/**
 * `headers` without content-encoding and content-length, the others in their order. A copy, not
 * `delete`: deleting a property other than the last one added turns an object into a dictionary
 * (V8's slow properties), and the whole reply's headers were then spread again and walked by
 * writeHead that way (~60 samples per 6,000 requests in the overhead bench's profile).
 */
export function withoutLengthAndCoding(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name of Object.keys(headers)) {
    if (name === "content-encoding" || name === "content-length") continue;
    if (name === "__proto__") Object.defineProperty(out, name, { value: headers[name], enumerable: true, writable: true, configurable: true });
    else out[name] = headers[name];
  }
  return out;
}

/**
 * The headers the caller gets, masked (`headers` is left as it is: maskHeaders copies on write),
 * in UTF-8 and without content-encoding and content-length (the caller gets the decoded body
 * with its own length); and the upstream's length, when the body is sent as it came. One copy.
 */
export function callerHeaders(masking: MaskSession, headers: OutgoingHttpHeaders, codings: readonly string[]): { headers: OutgoingHttpHeaders; upstreamLength: string | undefined } {
  const masked = masking.maskHeaders(headers);
  const upstreamLength = codings.length === 0 && masked["content-length"] !== undefined ? String(masked["content-length"]) : undefined;
  const out = withoutLengthAndCoding(masked);
  if (typeof out["content-type"] === "string") out["content-type"] = utf8ContentType(out["content-type"]); // the caller gets UTF-8
  return { headers: out, upstreamLength };
}

/** Writes a whole masked body with its length (an empty one, as to HEAD, 204 or 304, keeps the upstream's headers as they were). */
function wholeBody(relay: Relay, masking: MaskSession, chunks: Buffer[], upstreamLength: string | undefined) {
  const body = chunks.length === 0 ? Buffer.alloc(0) : joined(chunks);
  const out = masking.maskResponse(body, relay.contentType);
  relay.recorder.responseStart(relay.provider, relay.contentType);
  const { res, upstream, recorder } = relay;
  const length = body.length === 0 ? upstreamLength : String(out.client.length);
  const headers: OutgoingHttpHeaders = length === undefined ? relay.headers : { ...relay.headers, "content-length": length };
  if (!res.headersSent) res.writeHead(upstream.statusCode, headers);
  recorder.firstByte();
  res.end(out.client);
  recorder.responseBody(out.client, out.record, out.parsed);
}

/** Sends the reply read, masked; throws UninspectableReply (nothing unread sent), or when the upstream breaks off or the caller goes. */
export async function relayInspected(relay: Relay, masking: MaskSession): Promise<void> {
  const { upstream, res, recorder } = relay;
  const codings = contentCodings(upstream.headers["content-encoding"]);
  checkCodings(codings);
  const charset = createCharsetReader(relay.contentType);
  const { headers, upstreamLength } = callerHeaders(masking, relay.headers, codings);
  relay.headers = headers;
  const head = () => res.headersSent || res.writeHead(upstream.statusCode, headers);
  // An event stream's first event may be long in coming (the model is thinking); the caller's SDK
  // waits for the headers, so they go now (the body is still read before any of it is sent).
  if (isEventStream(relay.contentType)) {
    head();
    res.flushHeaders();
  }
  let form: "sse" | "whole" | undefined;
  let stream: ResponseStream | undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  let filter = relay.filter; // an event-stream filter: not for JSON lines
  const send = async (client: Buffer, record: Buffer, parsed?: ParsedEvents) => {
    const out = filter ? filter.push(client) : client;
    let more = true;
    if (out.length > 0) {
      recorder.firstByte();
      head();
      more = res.write(out);
    }
    recorder.responseChunk(client, record, parsed);
    if (!more) await relay.writable();
  };

  let sliced = false;
  const pushStream = async (active: ResponseStream, bytes: Buffer) => {
    if (!sliced && bytes.length > 2 * FIRST_SLICE) {
      sliced = true;
      const head = active.push(bytes.subarray(0, FIRST_SLICE));
      await send(head.client, head.record, head.parsed);
      // A chunked response's write is corked until the next tick (node:http): without this, the
      // first slice left only after the rest had been masked, in the same tick, with it.
      await nextTick();
      bytes = bytes.subarray(FIRST_SLICE);
    }
    const out = active.push(bytes);
    await send(out.client, out.record, out.parsed);
  };

  // The decoded, UTF-8 bytes: streamed on once the form is known, else gathered whole.
  const take = async (chunk: Buffer) => {
    if (stream) return pushStream(stream, chunk);
    chunks.push(chunk);
    size += chunk.length;
    if (size > MAX_WHOLE_REPLY_BYTES) throw new UninspectableReply(`the body is larger than ${MAX_WHOLE_REPLY_BYTES} bytes`);
    // Told by the opening; undecided only while it is blanks or a field name cut short: past a few KB of that, whole.
    // (A first read longer than that is still told by its opening: a stream arriving at once is not buffered whole.)
    // A body opening with "{" or "[" (no BOM, no blank before it) is whole whatever follows: told from its first byte.
    form ??= opensDocument(chunks[0]!) ? "whole" : (sniff(headOf(chunks), relay.contentType) ?? (size > SNIFF_BYTES ? "whole" : undefined));
    // JSON lines (by their label: an Ollama-style stream) are masked line by line as they come, not read whole.
    if (form === "whole" && isJsonLines(relay.contentType)) {
      recorder.responseStart(relay.provider, relay.contentType);
      filter = undefined;
      stream = createJsonLinesStream(masking.responseStream());
      const first = joined(chunks);
      chunks.length = 0;
      await pushStream(stream, first);
      return;
    }
    if (form === "sse") {
      recorder.responseStart(relay.provider, "text/event-stream");
      stream = masking.responseStream();
      const first = joined(chunks);
      chunks.length = 0;
      await pushStream(stream, first);
    }
  };

  for await (const raw of decodeBody(upstream.body as AsyncIterable<Buffer>, codings)) {
    // Searched for the credential as the caller would read it: decoded, in UTF-8.
    const chunk = relay.echo.push(charset.push(raw));
    if (chunk.length > 0) await take(chunk);
    if (relay.callerGone()) break;
  }
  if (!relay.callerGone()) {
    const decoded = relay.echo.push(charset.end());
    const held = relay.echo.end();
    const rest = held.length === 0 ? decoded : Buffer.concat([decoded, held]);
    if (rest.length > 0) await take(rest);
  }
  if (relay.callerGone()) throw new Error("caller closed the connection");
  if (!stream) return wholeBody(relay, masking, chunks, upstreamLength);
  const tail = stream.end();
  await send(tail.client, tail.record, tail.parsed);
  recorder.firstByte();
  head();
  res.end(filter?.end());
}

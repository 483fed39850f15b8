// The reply side's fail-closed rule, written down once: while a reply is to be rewritten (a mask
// policy applies to responses, or placeholders are to be restored), whatever the agent forwards to
// the caller is what it inspected, and a reply it cannot read completely is not forwarded at all.
// Every reader on that path throws UninspectableReply instead of passing bytes it did not read;
// the relay (agent/http/relay-response.ts) turns it into a 502 in the provider's format before the
// headers, or the provider's stream error event after them, and records the exchange as failed
// with the reason. What counts as "cannot read":
//   - a content-encoding other than gzip, x-gzip, deflate, br, zstd, identity, or corrupt data in one;
//   - bytes that are not UTF-8 once read in the charset its BOM, label or NUL pattern gives
//     (agent/http/reply-charset.ts): UTF-32, UTF-7 and other charsets the Encoding Standard does
//     not know, invalid sequences; NUL characters (text in UTF-16 read as UTF-8 is full of them)
//     and text made largely of control characters (controlHeavy);
//   - a whole reply larger than MAX_WHOLE_REPLY_BYTES once decoded, or an SSE event or held text
//     past its bound (see the readers);
//   - a value split across pieces of a field whose first piece had to be released before the
//     next one came (an unknown field interrupted by other events, then resumed);
//   - JSON nested so deeply that reading or writing it exhausts the call stack (readableReply).

import { isUtf8 } from "node:buffer";

/** A reply (or part of one) the agent cannot inspect; `reason` says why, for the caller and the record. */
/** Why a reply document holding a key named `__proto__` is refused (json-body.ts). */
export const PROTOTYPE_KEY = "it holds a JSON key named __proto__, which JavaScript readers take for an object's prototype";

export class UninspectableReply extends Error {
  constructor(readonly reason: string) {
    super(`Palisade cannot inspect this reply: ${reason}`);
    this.name = "UninspectableReply";
  }
}

/**
 * `read()`, with a RangeError out of it (the call stack or a string's length exhausted: JSON nested
 * thousands of levels deep, which JSON.stringify and the readers recurse into) as the reply it is:
 * one that cannot be inspected, refused as such — not taken for an upstream that broke off.
 */
export function readableReply<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof RangeError) throw new UninspectableReply("it is nested too deeply (or too large) to be read");
    throw error;
  }
}

/** The most a whole (non-streamed) reply may hold once decoded; a larger one is refused, not passed unread. */
export const MAX_WHOLE_REPLY_BYTES = 64 * 1024 * 1024;

/** The longest single server-sent event the agent reads (a stream sending more without a blank line is refused). */
export const MAX_EVENT_BYTES = 16 * 1024 * 1024;

/** Throws UninspectableReply unless `bytes` is valid UTF-8; returns the text without a leading BOM. */
export function strictUtf8(bytes: Buffer): string {
  // Checked natively, then decoded: what a fatal TextDecoder (BOM not kept) returns, without its
  // decoder state and copy (uninspectable.test.ts holds the two equal).
  if (!isUtf8(bytes)) throw new UninspectableReply("the body is not valid UTF-8");
  return bytes.toString("utf8", bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0);
}

// C0 and C1 control characters a text does not hold (tab, line feed, form feed and carriage return
// left out): invisible to a reader, they break a value apart for the detectors.
const isControl = (code: number) => (code < 32 && code !== 9 && code !== 10 && code !== 12 && code !== 13) || (code >= 0x7f && code <= 0x9f);

/** Throws UninspectableReply when `text` (a reply's text that is not JSON) holds a NUL or is more than one character in eight a control character. */
export function checkText(text: string): void {
  if (text.includes("\0")) throw new UninspectableReply("the body holds NUL characters (text in another charset, or binary data)");
  let count = 0;
  for (let at = 0; at < text.length; at++) if (isControl(text.charCodeAt(at))) count++;
  if (count > 1 && count * 8 > text.length) throw new UninspectableReply("the body is largely control characters (text in another charset, or binary data)");
}

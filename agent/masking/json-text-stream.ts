// Masks streamed JSON text (tool call arguments arriving as `{"to":"ja` … `ne@x.io"}`): the
// characters outside strings pass at once; each string literal's decoded content goes through
// its own TextStream, and what it releases is re-encoded, so the output is JSON text again
// whatever the masks replace (a marker never cuts an escape sequence or a closing quote). Keys are
// strings too and are masked like values. A number is held until it ends and then scanned on its
// own (a card number sent as a number); one that matches goes out as digits of the same length.
import type { ReplyMasker } from "./mask-context.js";
import type { TwoTexts } from "./replacer.js";
import { ComputedStream, createTextStream, type TextStream } from "./text-stream.js";

const escapes: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
const encode = (text: string) => (text === "" ? "" : JSON.stringify(text).slice(1, -1));
const numberStart = /[-0-9]/;
const numberPart = /[-+0-9.eE]/;

/** A JSON text stream counting findings at `location`; `emitted` and the returns are JSON text. */
export function createJsonTextStream(reply: ReplyMasker, location: string): TextStream {
  let inString = false;
  let pending: string | undefined; // an escape sequence being read: "\\", "\\u00"…
  let literal: TextStream | undefined;
  let finished = false;
  let original = "";
  let number = ""; // a number outside strings, held until it ends
  const emitted = { client: "", record: "" };
  const out = { client: "", record: "" };
  const emit = (texts: TwoTexts, raw = false) => {
    out.client += raw ? texts.client : encode(texts.client);
    out.record += raw ? texts.record : encode(texts.record);
  };
  const take = (): TwoTexts => {
    const result = { ...out };
    emitted.client += out.client;
    emitted.record += out.record;
    out.client = "";
    out.record = "";
    return result;
  };

  // A number is read as written and as a reader's JSON.parse prints it (`4.539148803436467e15`
  // is 4539148803436467); one holding a value goes out as digits of the same length, still a number.
  const endNumber = () => {
    const value = Number(number);
    const printed = Number.isFinite(value) ? String(value) : number;
    const masked = reply.maskNumber(number, location) ?? (printed !== number ? reply.maskNumber(printed, location) : undefined);
    const out = masked ?? number;
    emit({ client: out, record: out }, true);
    number = "";
  };

  const push = (piece: string): void => {
    let decoded = "";
    let plain = "";
    for (const char of piece) {
      if (!inString && (number !== "" ? numberPart.test(char) : numberStart.test(char))) {
        if (plain !== "") emit({ client: plain, record: plain }, true);
        plain = "";
        number += char;
        continue;
      }
      if (!inString && number !== "") endNumber();
      if (!inString) {
        if (char === '"') {
          inString = true;
          literal = createTextStream(reply, location);
          plain += '"';
          emit({ client: plain, record: plain }, true);
          plain = "";
        } else plain += char;
        continue;
      }
      if (pending !== undefined) {
        pending += char;
        if (pending === "\\u" || (pending.startsWith("\\u") && pending.length < 6)) continue;
        decoded += pending.startsWith("\\u") ? String.fromCharCode(Number.parseInt(pending.slice(2), 16) || 0) : (escapes[char] ?? char);
        pending = undefined;
      } else if (char === "\\") pending = "\\";
      else if (char === '"') {
        const current = literal as TextStream;
        emit(current.push(decoded));
        emit(current.flush());
        decoded = "";
        inString = false;
        literal = undefined;
        plain = '"';
      } else decoded += char;
    }
    if (inString && decoded !== "") emit((literal as TextStream).push(decoded));
    if (plain !== "") emit({ client: plain, record: plain }, true);
  };

  return new ComputedStream({
    push(piece) {
      finished = false;
      original += piece;
      push(piece);
      return take();
    },
    flush() {
      finished = true;
      // Cut off inside a string (the provider stopped mid-argument): release it masked, unclosed.
      if (literal) emit(literal.flush());
      if (number !== "") endNumber();
      return take();
    },
    // Binary chunks are plain delta strings, never JSON text: each string literal's own stream reads the base64 in it.
    passing() {},
    emitted,
    split() {},
    takeEarlier: () => ({ client: "", record: "" }),
  }, {
    original: () => original,
    finished: () => finished,
    holding: () => number !== "" || pending !== undefined || literal?.holding === true,
    tail: () => "", // JSON text (tool input) is never continued by another stream
    earlierSettled: () => true,
  });
}

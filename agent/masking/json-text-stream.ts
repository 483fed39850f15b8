// Masks streamed JSON text (tool call arguments arriving as `{"to":"ja` … `ne@x.io"}`): the
// characters outside strings pass at once; each string literal's decoded content goes through
// its own TextStream, and what it releases is re-encoded, so the output is JSON text again
// whatever the masks replace (a marker never cuts an escape sequence or a closing quote). Keys are
// strings too and are masked like values. A number is held until it ends and then scanned on its
// own (a card number sent as a number); one that matches goes out as digits of the same length.
// Text outside strings that is no JSON (a model's arguments are not always JSON: `{"to": ja…}`,
// `{'to': '…'}`, prose) goes through a TextStream of its own from its first character that is
// neither punctuation of JSON, a blank, a quote nor a number, until such punctuation or a quote
// ends it: masked as text, written as it came otherwise (valid JSON's true, false and null too).
import type { ReplyMasker } from "./mask-context.js";
import type { TwoTexts } from "./replacer.js";
import { ComputedStream, createTextStream, type TextStream } from "./text-stream.js";

const escapes: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
const encode = (text: string) => (text === "" ? "" : JSON.stringify(text).slice(1, -1));
const numberStart = /[-0-9]/;
const numberPart = /[-+0-9.eE]/;
// What ends text outside strings: JSON's punctuation and a quote (blanks do not: `not json jane@x.io`).
const structural = /[{}[\],:"]/;
const blank = /[ \t\n\r]/;
const NAME_TAIL = 64; // of a key, read before its value
const isLiteralStart = (word: string) => "true".startsWith(word) || "false".startsWith(word) || "null".startsWith(word);

/** A JSON text stream counting findings at `location`; `emitted` and the returns are JSON text. */
export function createJsonTextStream(reply: ReplyMasker, location: string): TextStream {
  let inString = false;
  let pending: string | undefined; // an escape sequence being read: "\\", "\\u00"…
  let literal: TextStream | undefined;
  let finished = false;
  let original = "";
  let number = ""; // a number outside strings, held until it ends
  let bare: TextStream | undefined; // text outside strings that is no JSON, until punctuation ends it
  let literalWord = ""; // text outside strings that may still be true, false or null (no stream made for those)
  // A value is read after its key's name, as a reader shows the member (`name: value`): a detector
  // may know a value by the name before it (a secret after "aws_secret_access_key").
  let literalText = ""; // the end of the string being read (decoded)
  let closed: string | undefined; // the end of the last string, until anything but a blank follows it
  let named: string | undefined; // that string when a ":" followed it: the next string's name
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

  // Bare text ends: what it still holds goes out masked, as it came.
  const endBare = () => {
    const stream = bare as TextStream;
    emit(stream.flush(), true);
    bare = undefined;
  };

  const push = (piece: string): void => {
    let decoded = "";
    let bareText = "";
    let plain = "";
    for (const char of piece) {
      if (!inString && char !== '"' && !blank.test(char)) {
        named = char === ":" ? closed : undefined;
        closed = undefined;
      }
      if (!inString && literalWord !== "") {
        if (structural.test(char) || blank.test(char) || !isLiteralStart(literalWord + char)) {
          // A literal (or a cut one) ended by punctuation or a blank holds nothing: as it came.
          // Running on into other text (`nullify jane@…`), it is bare text from its first letter.
          if (structural.test(char) || blank.test(char)) plain += literalWord;
          else {
            if (plain !== "") emit({ client: plain, record: plain }, true);
            plain = "";
            bare = createTextStream(reply, location);
            bareText = literalWord;
          }
          literalWord = "";
        } else {
          literalWord += char;
          continue;
        }
      }
      if (!inString && bare !== undefined) {
        if (!structural.test(char)) {
          bareText += char;
          continue;
        }
        if (bareText !== "") emit(bare.push(bareText), true);
        bareText = "";
        endBare();
      }
      if (!inString && number !== "" && !numberPart.test(char) && !structural.test(char) && !blank.test(char)) {
        // A number running into other text (`123jane@x.io`) is bare text from its first digit.
        if (plain !== "") emit({ client: plain, record: plain }, true);
        plain = "";
        bare = createTextStream(reply, location);
        bareText = number + char;
        number = "";
        continue;
      }
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
          literal = createTextStream(reply, location, named === undefined ? "" : `${named}: `);
          literalText = "";
          named = undefined;
          closed = undefined;
          plain += '"';
          emit({ client: plain, record: plain }, true);
          plain = "";
        } else if (structural.test(char) || blank.test(char)) plain += char;
        else if (isLiteralStart(char)) literalWord = char;
        else {
          if (plain !== "") emit({ client: plain, record: plain }, true);
          plain = "";
          bare = createTextStream(reply, location);
          bareText = char;
        }
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
        closed = (literalText + decoded).slice(-NAME_TAIL);
        emit(current.push(decoded));
        emit(current.flush());
        decoded = "";
        inString = false;
        literal = undefined;
        plain = '"';
      } else decoded += char;
    }
    if (inString && decoded !== "") {
      literalText = (literalText + decoded).slice(-NAME_TAIL);
      emit((literal as TextStream).push(decoded));
    }
    if (bare !== undefined && bareText !== "") emit(bare.push(bareText), true);
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
      if (literalWord !== "") emit({ client: literalWord, record: literalWord }, true);
      literalWord = "";
      if (bare) endBare();
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
    holding: () => number !== "" || pending !== undefined || literal?.holding === true || bare?.holding === true || literalWord !== "",
    tail: () => "", // JSON text (tool input) is never continued by another stream
    earlierSettled: () => true,
  });
}

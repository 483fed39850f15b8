// Most events of a streamed chat reply are one shape: the same id, model and fields, one choice
// whose delta holds one new piece of text. Once an event of that shape has gone the whole way
// (parsed, handled, walked by the generic pass, which changed nothing outside the delta), the
// next one is that event's JSON text with only the delta's string literal different. Such an event
// is not parsed, walked nor re-serialised: its string goes into the same text stream through the
// handler (SseHandler.continueDelta, doing what event() does with it), and its output is the first
// event's text around the string's masked text — what rendering the parsed event would write.
// What the full path would do differently for it is ruled out before anything is done:
//   - the text around the string is the first event's exactly, so the event parses to the same
//     value but for that string; the generic pass walked that value and changed nothing (no edit,
//     rename nor loose piece), and it reads it again the same way (identifiers and keys known
//     clean, or rescanned with the same result; nothing around holds a `<` a placeholder could
//     start with, as placeholders are the one thing that may change between events);
//   - the event has no lines but data, no number that would be read as source text (a plain
//     parse), and no loose text is open (the end of the event would settle nothing);
//   - the handler declines when its own state needs the full path (a finish waiting, an
//     identifier open, a string long enough to be read as base64).
// Some of these cannot fail right after an event of the shape went the whole way (it had no
// finish, no identifier, no loose piece, and ended every open one); they are checked all the same,
// as cheap guards against a later change to that. Anything else takes the full path, which learns
// its shape anew. event-shape.test.ts holds both paths to the same output.
//
// A second slot: OpenAI's `obfuscation` padding, a random string as the chunk's last member that
// differs in every chunk. A last top-level member holding a string, whose key the generic pass
// reads as an identifier and the chat handler does not read, is matched as one more string
// literal (the text between the two literals must repeat, and a string literal cannot hold it
// unescaped). The full path masks such an identifier alone, and across the same field of the
// event before (ValueMasker.quietIdentifier asks exactly that, without masking): the shaped event
// is taken only when that leaves it unchanged, and it is written with the padding as the full
// path writes it (re-serialised).
import { isIdentityKey } from "./json-walk.js";
import { parseJsonBodyExact, riskyNumber } from "./json-body.js";
import type { DeltaOutput, DeltaSlot } from "./sse-handler.js";
import type { RawEvent } from "./sse-splitter.js";
import type { ParsedData } from "../sse/parsed-events.js";

type Json = Record<string, unknown>;

/** An event ready to go out (response-stream.ts renders its queue from these). */
export interface ShapedEvent {
  client: string;
  record: string;
  parsed: { client?: ParsedData; record?: ParsedData };
}

export interface EventShapes {
  /** After the full path handled `event`: its shape when `slot` (the handler's) is set and `untouched` (the generic pass changed nothing). */
  learn(event: RawEvent, value: unknown, plain: boolean, slot: DeltaSlot | undefined, untouched: boolean): void;
  /** The slot's string of an event of the known shape (undefined: not of it). */
  match(event: RawEvent): string | undefined;
  /** The known shape's slot (set whenever match() returned a string). */
  readonly slot: DeltaSlot | undefined;
  /** The padding of the event match() last read (undefined: the shape has none), with the kind of event it is read in. */
  readonly padding: Padding | undefined;
  /** The event of the known shape with `out` at its slot, as the full path renders it. */
  render(out: DeltaOutput): ShapedEvent;
}

/** A padding member's key and string, and the kind of event (the generic pass's) it is read in. */
export interface Padding {
  key: string;
  value: string;
  kind: string;
}

interface Shape {
  slot: DeltaSlot;
  /** The event's JSON text before and after the slot's string literal (with a padding: up to the padding's literal). */
  prefix: string;
  suffix: string;
  /** With a padding: its key, the text after its literal (the close), and the event kind. */
  pad?: { key: string; close: string; kind: string };
  /** Copies of the parsed value's root, choice and delta, untouched by rendering. */
  root: Json;
  choice: Json;
  delta: Json;
}

// Stands in for the slot's string while the text around it is written; found once, or no shape.
const SENTINEL = "\u0000palisade-slot\u0000";
const ENCODED = JSON.stringify(SENTINEL);
const PAD_SENTINEL = "\u0000palisade-pad\u0000";
const PAD_ENCODED = JSON.stringify(PAD_SENTINEL);
// Top-level members the chat handler reads (its template of synthesized events, its choices, usage):
// a padding that changed one of them would change what the handler does.
const HANDLER_KEYS = new Set(["id", "object", "created", "model", "system_fingerprint", "service_tier", "choices", "usage", "type"]);

/** A string literal without escapes (nor anything JSON refuses in one: a control character): its text is what stands between the quotes. */
function simpleLiteral(literal: string): boolean {
  const last = literal.length - 1;
  if (last < 1 || literal.charCodeAt(0) !== 34 || literal.charCodeAt(last) !== 34) return false;
  for (let at = 1; at < last; at++) {
    const code = literal.charCodeAt(at);
    if (code === 34 || code === 92 || code < 32) return false;
  }
  return true;
}

/** `text` as a JSON string literal: between quotes as it is when nothing in it needs an escape (JSON.stringify's output then). */
function literalOf(text: string): string {
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code === 34 || code === 92 || code < 32 || (code >= 0xd800 && code <= 0xdfff)) return JSON.stringify(text);
  }
  return `"${text}"`;
}

/** The string `literal` spells when it is one JSON string (blanks around allowed), else undefined. */
function stringLiteral(literal: string): string | undefined {
  // Not parsed plainly (a long run of digits, an exponent): the full path reads numbers as source text.
  if (simpleLiteral(literal) && !riskyNumber.test(literal)) return literal.slice(1, -1);
  const { value, plain } = parseJsonBodyExact(literal);
  return plain && typeof value === "string" ? value : undefined;
}

/** The shapes of one reply's events. */
// `slot` is a class's getter, not an object literal's: V8 keeps a literal's accessors in the old
// generation, so each stream's getter closure (and the stream state it reaches) outlived every
// scavenge until the next full GC (docs/performance.md, "Issue 13: the tail at one connection").
class Shapes implements EventShapes {
  readonly learn: EventShapes["learn"];
  readonly match: EventShapes["match"];
  readonly render: EventShapes["render"];

  constructor(
    private readonly slotNow: () => DeltaSlot | undefined,
    private readonly paddingNow: () => Padding | undefined,
    parts: Omit<EventShapes, "slot" | "padding">,
  ) {
    this.learn = parts.learn;
    this.match = parts.match;
    this.render = parts.render;
  }

  get slot(): DeltaSlot | undefined {
    return this.slotNow();
  }

  get padding(): Padding | undefined {
    return this.paddingNow();
  }
}

/** The key of `root`'s last member when it holds a string the generic pass reads as an identifier and the handler does not read. */
function paddingKey(root: Json): string | undefined {
  let last: string | undefined;
  for (const key in root) last = key;
  return last !== undefined && typeof root[last] === "string" && !HANDLER_KEYS.has(last) && isIdentityKey(last) ? last : undefined;
}

export function createEventShapes(): EventShapes {
  let shape: Shape | undefined;
  let padding: Padding | undefined;

  const match = (event: RawEvent): string | undefined => {
    const data = event.data;
    if (!shape || data === undefined || event.otherLines.length > 0) return undefined;
    const { prefix, suffix, pad } = shape;
    if (pad === undefined) {
      // Compared as slices: startsWith and endsWith went character by character (~7x slower at these lengths).
      if (data.length <= prefix.length + suffix.length || data.slice(0, prefix.length) !== prefix || data.slice(data.length - suffix.length) !== suffix) return undefined;
      return stringLiteral(data.slice(prefix.length, data.length - suffix.length));
    }
    // Two literals: the slot's up to the first `suffix` after it (the text between the two, which
    // holds an unescaped quote after a comma: inside a string literal it would be escaped), then
    // the padding's up to the close. Each must be exactly one string literal: then, by JSON's
    // grammar, the event is the shape's value with those two strings.
    const end = data.length - pad.close.length;
    if (end <= prefix.length || data.slice(0, prefix.length) !== prefix || data.slice(end) !== pad.close) return undefined;
    const middle = data.indexOf(suffix, prefix.length + 1);
    if (middle === -1 || middle + suffix.length >= end) return undefined;
    const value = stringLiteral(data.slice(middle + suffix.length, end));
    if (value === undefined) return undefined;
    const piece = stringLiteral(data.slice(prefix.length, middle));
    if (piece !== undefined) padding = { key: pad.key, value, kind: pad.kind };
    return piece;
  };

  const valueWith = (text: string, logprobs: Json | undefined): Json => {
    const { root, choice, delta, slot, pad } = shape as Shape;
    const made: Json = { ...choice, delta: { ...delta, [slot.key]: text } };
    if (logprobs) made.logprobs = logprobs;
    // The padding keeps its place (the last member): spreading the root keeps its keys' order.
    return pad ? { ...root, choices: [made], [pad.key]: (padding as Padding).value } : { ...root, choices: [made] };
  };

  return new Shapes(() => shape?.slot, () => (shape?.pad ? padding : undefined), {
    learn(event, value, plain, slot, untouched) {
      shape = undefined;
      padding = undefined;
      if (!slot || !plain || !untouched || event.otherLines.length > 0) return;
      const root = value as Json;
      const choice = (root.choices as Json[])[0] as Json;
      const delta = choice.delta as Json;
      const padKey = paddingKey(root);
      const padValue = padKey === undefined ? undefined : (root[padKey] as string);
      delta[slot.key] = SENTINEL;
      if (padKey !== undefined) root[padKey] = PAD_SENTINEL;
      const text = JSON.stringify(root);
      delta[slot.key] = slot.value;
      if (padKey !== undefined) root[padKey] = padValue;
      const at = text.indexOf(ENCODED);
      if (at === -1 || text.indexOf(ENCODED, at + 1) !== -1) return;
      const prefix = text.slice(0, at);
      let suffix = text.slice(at + ENCODED.length);
      let pad: Shape["pad"];
      if (padKey !== undefined) {
        const padAt = suffix.indexOf(PAD_ENCODED);
        if (padAt === -1 || suffix.indexOf(PAD_ENCODED, padAt + 1) !== -1) return;
        const type = root.type;
        pad = { key: padKey, close: suffix.slice(padAt + PAD_ENCODED.length), kind: `${event.name}/${typeof type === "string" ? type : ""}` };
        suffix = suffix.slice(0, padAt);
        if (pad.close.includes("<")) return;
      }
      if (prefix.includes("<") || suffix.includes("<")) return;
      const made: Shape = { slot, prefix, suffix, pad, root: { ...root }, choice: { ...choice }, delta: { ...delta } };
      made.choice.delta = made.delta;
      made.root.choices = [made.choice];
      shape = made;
      // The event itself must read as the shape reads it (its text is the shape's around the strings).
      if (match(event) !== slot.value || (padKey !== undefined && (padding as Padding | undefined)?.value !== padValue)) shape = undefined;
      padding = undefined;
    },
    match,
    render({ texts, logprobs }) {
      const { prefix, pad } = shape as Shape;
      // With a padding, what follows the slot's literal: the text up to the padding's, the padding as the full path writes it, the close.
      const suffix = pad ? shape!.suffix + literalOf((padding as Padding).value) + pad.close : shape!.suffix;
      const value = valueWith(texts.client, logprobs);
      let client: string;
      let record: string;
      if (logprobs) {
        // Rare (logprobs released by a stream that had them): written whole, as the draft would.
        client = JSON.stringify(value);
        record = texts.record === texts.client ? client : JSON.stringify(valueWith(texts.record, logprobs));
      } else {
        client = prefix + literalOf(texts.client) + suffix;
        record = texts.record === texts.client ? client : prefix + literalOf(texts.record) + suffix;
      }
      const shared = { data: client, value };
      const event = `data: ${client}\n\n`;
      // One string for both sides when they are the same (the queue's drain then joins one text).
      // Plain: JSON.stringify's text around the literals (no CR or LF in any of it, literalOf escapes them).
      return { client: event, record: record === client ? event : `data: ${record}\n\n`, parsed: { client: shared, record: record === client ? shared : undefined }, plain: true };
    },
  });
}

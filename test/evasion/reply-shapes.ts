// fast-check generators for the response-side property test: replies of random shape (objects and
// arrays of random depth, known and unknown field names, numbers, JSON inside strings) with a
// value to mask placed at a random path, whole or split into pieces across consecutive events of a
// stream in the shape of OpenAI chat chunks, Responses events, Anthropic events or events no handler
// knows; and random network chunking of the bytes.
import fc from "fast-check";
import { CARD, CARD_DIGITS, EMAIL, IBAN, KEY, PHONE, SSN, US_PHONE } from "./response-corpus.js";

type Json = Record<string, unknown>;

/** A value to mask and the forms it may be written in. */
export interface Secret {
  /** What must not reach the caller. */
  value: string;
  /** How the reply writes it. */
  written: string;
  /** A card number may come as a JSON number. */
  number?: number;
}

const secrets: Secret[] = [
  { value: EMAIL, written: EMAIL },
  { value: EMAIL, written: "zoe.quill\uFF20example.org" },
  { value: EMAIL, written: "zoe.qu\u200Bill@example.org" },
  { value: CARD, written: CARD, number: Number(CARD_DIGITS) },
  { value: CARD, written: "4539.1488.0343.6467" },
  { value: PHONE, written: PHONE },
  { value: US_PHONE, written: US_PHONE },
  { value: SSN, written: SSN },
  { value: KEY, written: KEY },
  { value: IBAN, written: IBAN },
];

export const secret = fc.constantFrom(...secrets);

// Field names: text fields of the APIs, identifiers, and names no API uses.
const textNames = ["content", "text", "reasoning_content", "reasoning", "transcript", "thinking", "summary", "note", "x_field", "detail", "title", "url", "message", "output"];
const anyNames = [...textNames, "id", "type", "index", "items", "data", "meta", "annotations", "parts"];
const filler = fc.constantFrom("hello", "the order 1234", "v1.2.3", "ok.", "see https://x.test/a", "", " ", "é 😀", "<b>", "ext.");

/** A random JSON value (depth-limited). */
export const jsonValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    filler,
    fc.integer({ min: -5, max: 100_000 }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...anyNames), tie("value"), { maxKeys: 4 }),
  ),
})).value;

/** A path of object keys and array positions to place a value at; the last step is a text field name. */
export const path = fc.tuple(fc.array(fc.oneof(fc.constantFrom(...anyNames), fc.nat({ max: 2 })), { maxLength: 4 }), fc.constantFrom(...textNames));

/** `root` with `value` at `steps` (containers made or replaced along the way). */
export function placeAt(root: unknown, steps: readonly (string | number)[], last: string, value: unknown): Json {
  const top: Json = typeof root === "object" && root !== null && !Array.isArray(root) ? { ...(root as Json) } : { wrapped: root };
  let container: Json | unknown[] = top;
  for (const step of steps) {
    const next = typeof step === "number" ? [] : {};
    if (Array.isArray(container)) {
      const at = Math.min(typeof step === "number" ? step : 0, container.length);
      container[at] = next;
    } else container[String(step)] = next;
    container = next;
  }
  if (Array.isArray(container)) container.push({ [last]: value });
  else container[last] = value;
  return top;
}

/** How the secret appears in a whole reply. */
export const placement = fc.constantFrom("text", "prose", "json-in-string", "escaped", "number", "key");

/** The value placed as a JSON member. */
export function written(entry: Secret, how: string): unknown {
  if (how === "prose") return `please use ${entry.written} today`;
  if (how === "json-in-string") return JSON.stringify({ inner: { to: entry.written } });
  if (how === "escaped") return JSON.stringify({ to: entry.written }).replace("@", "\\u0040");
  if (how === "number" && entry.number !== undefined) return entry.number;
  return entry.written;
}

/** Random cut points: `text` in 1 to 6 pieces. */
export function pieces(text: string, cuts: readonly number[]): string[] {
  const chars = [...text];
  const at = [...new Set(cuts.map((cut) => cut % (chars.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let from = 0;
  for (const cut of [...at, chars.length]) {
    if (cut > from) out.push(chars.slice(from, cut).join(""));
    from = Math.max(from, cut);
  }
  return out.length > 0 ? out : [text];
}

/** The protocols a stream may follow. */
export const protocol = fc.constantFrom("chat-delta", "chat-outside-delta", "responses-delta", "responses-other", "anthropic-delta", "anthropic-blocks", "anthropic-unknown-delta", "unknown");

const sse = (name: string | undefined, value: unknown) => `${name ? `event: ${name}\n` : ""}data: ${JSON.stringify(value)}\n\n`;

/**
 * An SSE stream of `protocol` carrying `parts` (the pieces of one text) in consecutive events, each
 * at the same random path inside a random shape (text-named fields, so readers append them).
 */
export function stream(kind: string, parts: readonly string[], shape: unknown, steps: readonly (string | number)[], last: string): string {
  const inside = (piece: string) => placeAt(shape, steps, last, piece);
  let out = "";
  for (const piece of parts) {
    if (kind === "chat-delta") out += sse(undefined, { id: "c", object: "chat.completion.chunk", choices: [{ index: 0, delta: inside(piece), finish_reason: null }] });
    else if (kind === "chat-outside-delta") out += sse(undefined, { id: "c", object: "chat.completion.chunk", choices: [{ index: 0, delta: {}, finish_reason: null, ...inside(piece) }] });
    else if (kind === "responses-delta") out += sse("response.x_kind.delta", { type: "response.x_kind.delta", output_index: 0, delta: piece, extra: shape });
    else if (kind === "responses-other") out += sse("response.x_other", { type: "response.x_other", ...inside(piece) });
    else if (kind === "anthropic-delta") out += sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: piece } });
    else if (kind === "anthropic-blocks") {
      // Each piece in a text block of its own, one after the other (readers join them).
      const index = parts.indexOf(piece);
      out += sse("content_block_start", { type: "content_block_start", index, content_block: { type: "text", text: "" } });
      out += sse("content_block_delta", { type: "content_block_delta", index, delta: { type: "text_delta", text: piece } });
      out += sse("content_block_stop", { type: "content_block_stop", index });
    }
    else if (kind === "anthropic-unknown-delta") out += sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "x_delta", ...inside(piece) } });
    else out += sse("x_event", inside(piece));
  }
  if (kind.startsWith("chat")) out += sse(undefined, { id: "c", object: "chat.completion.chunk", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }) + "data: [DONE]\n\n";
  if (kind.startsWith("anthropic")) out += sse("content_block_stop", { type: "content_block_stop", index: 0 }) + sse("message_stop", { type: "message_stop" });
  if (kind.startsWith("responses")) out += sse("response.x_kind.done", { type: "response.x_kind.done", output_index: 0, value: parts.join("") });
  return out;
}

/** Network chunk sizes to cut the bytes with. */
export const chunking = fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 6 });

/** `bytes` cut into chunks of the given sizes (cycled). */
export function cut(bytes: Buffer, sizes: readonly number[]): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0, index = 0; at < bytes.length; index++) {
    const size = sizes[index % sizes.length];
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

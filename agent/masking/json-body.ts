// Parsing and re-writing JSON bodies without changing what the provider reads: numbers too long
// for a double (ids, seeds) keep their exact source text.
import { isUtf8 } from "node:buffer";
import { keysReadAsWritten } from "./written-keys.js";

// JSON.rawJSON and the reviver's source context (ES2025 "JSON.parse source text access", Node 21+).
type RawJson = (text: string) => unknown;
type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;
const rawJSON = (JSON as unknown as { rawJSON?: RawJson }).rawJSON;
const parseWith = JSON.parse as (text: string, reviver?: Reviver) => unknown;

// A run of 16 or more digits may be a number a double cannot hold exactly; exponents may overflow.
export const riskyNumber = /\d{16}|[eE][+-]?\d{3}/;

/** The parsed body, or undefined when `text` is not JSON. */
export function parseJsonBody(text: string): unknown {
  return parseJsonBodyExact(text).value;
}

/**
 * parseJsonBody's value, and whether it is exactly JSON.parse's (plain: no number kept as source
 * text). A body nested deeper than the reviver's recursion goes (a few thousand levels) is parsed
 * plainly, its long numbers then as doubles: read as anything but JSON, its escaped text
 * ("\u0040") would reach policies and masking undecoded.
 */
export function parseJsonBodyExact(text: string): { value: unknown; plain: boolean; misread?: true; prototypeKey?: true } {
  const parsed = parseUnchecked(text);
  // A key written with an escape that V8 read as another key (written-keys.ts): not read as this
  // JSON at all (every caller handles text that is not JSON: refused, or read as text).
  if (parsed.value !== undefined && !keysReadAsWritten(text, parsed.value)) return { value: undefined, plain: parsed.plain, misread: true };
  if (parsed.value !== undefined && holdsPrototypeKey(text, parsed.value)) return { value: undefined, plain: parsed.plain, prototypeKey: true };
  return parsed;
}

/**
 * Whether `value` (JSON.parse's of `text`) holds a key named `__proto__` at any depth (written
 * plainly or with escapes). JSON.parse makes it an own property, but code that reaches or builds
 * objects by key (`object[key]`, `object[key] = {}`) gets or sets a prototype through that name:
 * a reply event `{"delta":{"__proto__":{"content":…}}}` once made the masking engine write its
 * text into Object.prototype, for every exchange of the process after it (red team, sixth pass).
 * Such a document is not read as JSON (refused as a request body, read as text in a reply).
 */
function holdsPrototypeKey(text: string, value: unknown): boolean {
  if (!text.includes("proto") && !text.includes("\\u")) return false; // no such key, however escaped (most texts)
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next !== "object" || next === null) continue;
    if (Array.isArray(next)) {
      for (const element of next) pending.push(element);
      continue;
    }
    for (const key of Object.keys(next)) {
      if (key === "__proto__") return true;
      pending.push((next as Record<string, unknown>)[key]);
    }
  }
  return false;
}

function parseUnchecked(text: string): { value: unknown; plain: boolean } {
  // The end marker of OpenAI streams, once a reply: not JSON, known without JSON.parse throwing (a SyntaxError costs tens of µs).
  if (text === "[DONE]") return { value: undefined, plain: true };
  const plain = !rawJSON || !riskyNumber.test(text);
  try {
    if (plain || !rawJSON) return { value: JSON.parse(text), plain };
    return { value: parseWith(text, (_key, value, context) => (typeof value === "number" && context?.source !== undefined ? rawJSON(context.source) : value)), plain };
  } catch (error) {
    if (plain || !(error instanceof RangeError)) return { value: undefined, plain };
  }
  try {
    return { value: JSON.parse(text), plain: true };
  } catch {
    return { value: undefined, plain: true };
  }
}

/** JSON.parse's value of `text`, or undefined when it is not JSON or V8 misread one of its escaped keys (written-keys.ts). */
export function parseJsonChecked(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return keysReadAsWritten(text, value) && !holdsPrototypeKey(text, value) ? value : undefined;
}

/** Whether `text` looks like a JSON document (an object or array), as opposed to plain text. */
export function looksLikeJson(text: string): boolean {
  const first = /\S/.exec(text)?.[0];
  return first === "{" || first === "[";
}

/** The body as JSON text. */
export function stringifyJsonBody(value: unknown): string {
  return JSON.stringify(value);
}

/** The body as text when it is valid UTF-8, else undefined (binary bodies are never masked). */
export function utf8Text(body: Buffer): string | undefined {
  // Checked natively, without building a fatal TextDecoder per body (which showed in profiles).
  if (!isUtf8(body)) return undefined;
  return body.toString("utf8", body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0);
}

/** A JSON number for `digits`: a plain number when a double holds it exactly (what JSON.parse would read), else its source text. */
export function jsonNumber(digits: string): unknown {
  const value = Number(digits);
  const exact = /^-?\d+$/.test(digits) ? Number.isSafeInteger(value) || BigInt(value) === BigInt(digits) : Number.isFinite(value);
  return exact || !rawJSON ? value : rawJSON(digits);
}

// The current exchange digest (exchange-digest.ts, the current version) computed by the control plane from
// the very bytes the insert sends, instead of by PostgreSQL in the insert's RETURNING list: there
// `concat` of 86 arguments (an output-function lookup and a copy of each, the bodies copied twice)
// and SHA-256 were ~40 % of the insert's CPU. Same framed text, same bytes, same hash; verification
// keeps computing it in the database (session-digests.ts), so a difference would show as a broken
// chain — hence the differential test against the SQL (test/audit-chain/exchange-digest-direct.test.ts).
//
// Exact by construction: a text column's bytes and octet length are taken from its binary array
// parameter (binary-array.ts: what PostgreSQL stores, a lone surrogate already U+FFFD); integers,
// bigints and booleans are printed as their output functions print them; the start time from its
// binary microseconds; jsonb of the shapes exchange-columns.ts writes (arrays of strings, findings)
// rendered as jsonb_out renders them. Any other value declines (undefined): the database computes
// that row's digest.
import { hash } from "node:crypto";
import { PostgresMicros } from "../storage/binary-array.js";
import { EXCHANGE_COLUMNS } from "../storage/exchange-columns.js";
import { CURRENT_FRAMES } from "./exchange-digest.js";

// Microseconds from the Unix epoch to PostgreSQL's (2000-01-01 UTC).
const POSTGRES_EPOCH_US = BigInt(Date.UTC(2000, 0, 1)) * 1000n;
const STARTED = "(extract(epoch from started_at) * 1000000)::bigint";
const COMMITTED = "(extract(epoch from committed_at) * 1000000)::bigint";
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const COLON = 0x3a;
const SEMICOLON = 0x3b;
const BAR = 0x7c;

// Each framed column as a step over the insert's columns (EXCHANGE_COLUMNS order).
type Step = { kind: "text" | "scalar" | "jsonb" | "bytea" | "started"; at: number } | { kind: "committed"; at: -1 };
const STEPS: readonly Step[] = CURRENT_FRAMES.map(([column, kind]): Step => {
  if (column === COMMITTED) return { kind: "committed", at: -1 };
  const at = EXCHANGE_COLUMNS.indexOf((column === STARTED ? "started_at" : column) as (typeof EXCHANGE_COLUMNS)[number]);
  if (at < 0) throw new Error(`the digest covers ${column}, which the insert does not send`);
  return { kind: column === STARTED ? "started" : kind, at };
});

/** Digests rows of one insert: `row` (its index in the insert), committed at `committedUs` (epoch µs). */
export type DirectDigester = (row: number, committedUs: bigint) => string | undefined;

// Where each element of a text array parameter is: its bytes' offset (-1: NULL) and length.
interface Elements { buffer: Buffer; offsets: Int32Array; lengths: Int32Array }

/**
 * A digester over one insert's `columns` (the values, EXCHANGE_COLUMNS order) and `params` (what
 * was sent for them: binary arrays, or a column's values in text form); undefined when a text
 * column did not go as a binary array.
 */
export function directDigester(columns: readonly (readonly unknown[])[], params: readonly unknown[]): DirectDigester | undefined {
  const elements: (Elements | undefined)[] = [];
  for (const step of STEPS) {
    if (step.kind !== "text") continue;
    const param = params[step.at];
    if (!Buffer.isBuffer(param)) return undefined;
    elements[step.at] = arrayElements(param, columns[step.at]!.length);
  }
  const jsonb = new Map<string, Buffer | undefined>();
  // One commit time for all rows of a statement: printed once.
  let committed = -1n;
  let committedText = "";
  return (row, committedUs) => {
    if (committedUs !== committed) {
      committed = committedUs;
      committedText = String(committedUs);
    }
    let at = 0;
    for (const step of STEPS) {
      if (step.kind === "committed") {
        at = ascii(at, committedText, SEMICOLON);
        continue;
      }
      const value = columns[step.at]![row];
      switch (step.kind) {
        case "text": {
          const { buffer, offsets, lengths } = elements[step.at]!;
          const offset = offsets[row]!;
          if (offset < 0) {
            at = put(at, COLON);
            break;
          }
          const length = lengths[row]!;
          at = digits(at, length);
          reserve(at + 1 + length);
          scratch[at++] = COLON;
          // Short values byte by byte: a copy call costs more than a few dozen bytes.
          if (length > 48) buffer.copy(scratch, at, offset, offset + length);
          else for (let i = 0; i < length; i++) scratch[at + i] = buffer[offset + i]!;
          at += length;
          break;
        }
        case "scalar": {
          const scalar = scalarText(value);
          if (scalar === undefined) return undefined;
          at = ascii(at, scalar, SEMICOLON);
          break;
        }
        case "started":
          if (!(value instanceof PostgresMicros)) return undefined;
          at = ascii(at, String(value.micros + POSTGRES_EPOCH_US), SEMICOLON);
          break;
        case "jsonb": {
          if (value === null) {
            at = put(at, BAR);
            break;
          }
          if (typeof value !== "string") return undefined;
          let rendered = jsonb.get(value);
          if (rendered === undefined && !jsonb.has(value)) {
            const text = jsonbText(value);
            rendered = text === undefined ? undefined : Buffer.from(text, "utf8");
            jsonb.set(value, rendered);
          }
          if (rendered === undefined) return undefined;
          reserve(at + rendered.length);
          scratch.set(rendered, at);
          at = put(at + rendered.length, BAR);
          break;
        }
        case "bytea":
          if (value === null) at = put(at, SEMICOLON);
          else if (value instanceof Uint8Array) at = ascii(at, hash("sha256", value, "hex"), SEMICOLON);
          else return undefined;
          break;
      }
    }
    return hash("sha256", scratch.subarray(0, at), "hex");
  };
}

// The elements of a one-dimensional binary array (binary-array.ts writes them: header, then each
// element's int32 length, -1 for NULL, and bytes).
function arrayElements(buffer: Buffer, count: number): Elements {
  const offsets = new Int32Array(count);
  const lengths = new Int32Array(count);
  let at = count === 0 ? 12 : 20;
  for (let i = 0; i < count; i++) {
    const length = buffer.readInt32BE(at);
    at += 4;
    offsets[i] = length < 0 ? -1 : at;
    lengths[i] = Math.max(length, 0);
    at += lengths[i]!;
  }
  return { buffer, offsets, lengths };
}

// The framed text of the row being digested (synchronous use only).
let scratch = Buffer.allocUnsafe(64 * 1024);

function reserve(size: number): void {
  if (size <= scratch.length) return;
  const larger = Buffer.allocUnsafe(Math.max(size, scratch.length * 2));
  scratch.copy(larger);
  scratch = larger;
}

function put(at: number, byte: number): number {
  reserve(at + 1);
  scratch[at] = byte;
  return at + 1;
}

// Writes the decimal digits of `n` (a non-negative integer) at `at`; the offset after them.
function digits(at: number, n: number): number {
  let size = 1;
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) size += 1;
  reserve(at + size);
  for (let i = at + size - 1, rest = n; i >= at; i--, rest = Math.floor(rest / 10)) scratch[i] = 0x30 + (rest % 10);
  return at + size;
}

// Writes ASCII `text` then `end` at `at`; the offset after them.
function ascii(at: number, text: string, end: number): number {
  reserve(at + text.length + 1);
  for (let i = 0; i < text.length; i++) scratch[at + i] = text.charCodeAt(i);
  scratch[at + text.length] = end;
  return at + text.length + 1;
}

// integer, bigint and boolean as their output functions print them; NULL as nothing.
function scalarText(value: unknown): string | undefined {
  if (value === null) return "";
  if (typeof value === "boolean") return value ? "t" : "f";
  if (typeof value === "number") return Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX ? String(value) : undefined;
  if (typeof value === "bigint") return value >= INT64_MIN && value <= INT64_MAX ? String(value) : undefined;
  return undefined;
}

/**
 * jsonb_out's rendering of the JSON `json`, for the shapes exchange-columns.ts writes: an array of
 * strings (`groups`, `mask_policies`) or of findings `{detector, location, count}`; else undefined.
 * jsonb_out separates with ", " and ": ", orders an object's keys by length then bytes, and escapes a
 * string as JSON.stringify does when it holds no lone surrogate (both escape `"`, `\`, and every
 * control character, `\b \f \n \r \t` by letter and the rest as lower-case `\u00xx`).
 */
export function jsonbText(json: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  const items: string[] = [];
  for (const item of parsed) {
    if (typeof item === "string") {
      if (!item.isWellFormed()) return undefined;
      items.push(JSON.stringify(item));
      continue;
    }
    if (typeof item !== "object" || item === null || Array.isArray(item)) return undefined;
    const { detector, location, count } = item as Record<string, unknown>;
    if (Object.keys(item).length !== 3 || typeof detector !== "string" || typeof location !== "string" || !detector.isWellFormed() || !location.isWellFormed()) return undefined;
    if (typeof count !== "number" || !Number.isSafeInteger(count)) return undefined;
    // Keys by length, then bytes: count (5), detector (8), location (8).
    items.push(`{"count": ${count}, "detector": ${JSON.stringify(detector)}, "location": ${JSON.stringify(location)}}`);
  }
  return `[${items.join(", ")}]`;
}

// Column parameters of the exchange insert in PostgreSQL's binary array format (array_recv).
// The text form (`{"…","…"}`) costs both sides a pass over every character of every body: the pg
// driver escapes each quote and backslash into a new string, and array_in scans the literal back
// and unescapes it. In binary each element is its length and its bytes, taken as they are; a JSON
// body full of quotes costs what a plain one does. node-postgres sends a Buffer parameter in
// binary format, so the statement and its `$n::type[]` casts stay the same.
//
// Exact by construction and by test (test/storage/binary-array.test.ts): a value is written in
// binary only where PostgreSQL would read its text form to the very same datum — strings as their
// UTF-8 bytes (what the driver sends for the text form too), jsonb as the same JSON text behind
// its version byte, integers and timestamps only in the plain forms that this code produces and
// in range. Anything else makes the whole column go as text, as before, and PostgreSQL judges it.

// Element type OIDs (pg_type), checked by array_recv against the parameter's declared type.
const ELEMENT_OID: Readonly<Record<string, number>> = {
  text: 25, jsonb: 3802, boolean: 16, integer: 23, bigint: 20, timestamptz: 1184, bytea: 17,
};

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
// PostgreSQL counts timestamps in microseconds from 2000-01-01 00:00 UTC.
const POSTGRES_EPOCH_MS = Date.UTC(2000, 0, 1);
// The forms exchange-columns.ts writes: RFC 3339 UTC with up to 6 fractional digits, years
// 1000–9999 (PostgreSQL reads other years differently from Date, or not at all).
const TIMESTAMP = /^([1-9]\d{3})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?Z$/;
const INTEGER_TEXT = /^-?\d{1,19}$/;

/**
 * A timestamptz already in PostgreSQL's binary form, microseconds since 2000-01-01 00:00 UTC,
 * with the text PostgreSQL reads to the same datum (for a column that goes as text after all).
 */
export class PostgresMicros {
  constructor(readonly micros: bigint, readonly text: () => string) {}
}

/** `values` as the driver sends them in the text form: a PostgresMicros as its text. */
export function textForm(values: readonly unknown[]): unknown[] {
  return values.map((value) => (value instanceof PostgresMicros ? value.text() : value));
}

/**
 * `values` as a one-dimensional `type[]` in binary, or undefined when some value has no binary
 * form that PostgreSQL would store identically (send the JS array then: the text form).
 */
export function binaryArray(type: string, values: readonly unknown[]): Buffer | undefined {
  const oid = ELEMENT_OID[type];
  if (oid === undefined) return undefined;
  const sizes = new Int32Array(values.length);
  // Fixed-size elements are converted once, in the sizing pass.
  const fixed: (bigint | number)[] | undefined = type === "bigint" || type === "timestamptz" || type === "integer" ? new Array(values.length) : undefined;
  let size = values.length === 0 ? 12 : 20;
  let nulls = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    size += 4;
    if (value === null || value === undefined) {
      sizes[i] = -1;
      nulls = 1;
      continue;
    }
    const elementSize = sizeOf(type, value, fixed, i);
    if (elementSize === undefined) return undefined;
    sizes[i] = elementSize;
    size += elementSize;
  }
  const out = Buffer.allocUnsafe(size);
  out.writeInt32BE(values.length === 0 ? 0 : 1, 0);
  out.writeInt32BE(nulls, 4);
  out.writeInt32BE(oid, 8);
  let at = 12;
  if (values.length > 0) {
    out.writeInt32BE(values.length, 12);
    out.writeInt32BE(1, 16); // lower bound
    at = 20;
  }
  for (let i = 0; i < values.length; i++) {
    const elementSize = sizes[i]!;
    out.writeInt32BE(elementSize, at);
    at += 4;
    if (elementSize < 0) continue;
    at = writeElement(out, at, type, values[i], fixed?.[i]);
  }
  return out;
}

// The byte size of one non-null element, or undefined when it has no exact binary form.
function sizeOf(type: string, value: unknown, fixed: (bigint | number)[] | undefined, i: number): number | undefined {
  switch (type) {
    case "text":
      return typeof value === "string" ? Buffer.byteLength(value, "utf8") : undefined;
    case "jsonb":
      return typeof value === "string" ? 1 + Buffer.byteLength(value, "utf8") : undefined;
    case "bytea":
      return value instanceof Uint8Array ? value.length : undefined;
    case "boolean":
      return typeof value === "boolean" ? 1 : undefined;
    case "integer":
      if (typeof value !== "number" || !Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31) return undefined;
      fixed![i] = value;
      return 4;
    case "bigint": {
      const n = int64(value);
      if (n === undefined) return undefined;
      fixed![i] = n;
      return 8;
    }
    case "timestamptz": {
      const micros = typeof value === "string" ? timestampMicros(value) : value instanceof PostgresMicros ? value.micros : undefined;
      if (micros === undefined) return undefined;
      fixed![i] = micros;
      return 8;
    }
    default:
      return undefined;
  }
}

function writeElement(out: Buffer, at: number, type: string, value: unknown, fixed: bigint | number | undefined): number {
  switch (type) {
    case "text":
      return at + out.write(value as string, at, "utf8");
    case "jsonb":
      out[at] = 1; // jsonb's binary format version: the JSON text follows
      return at + 1 + out.write(value as string, at + 1, "utf8");
    case "bytea":
      out.set(value as Uint8Array, at);
      return at + (value as Uint8Array).length;
    case "boolean":
      out[at] = value ? 1 : 0;
      return at + 1;
    case "integer":
      out.writeInt32BE(fixed as number, at);
      return at + 4;
    default: // bigint, timestamptz
      out.writeBigInt64BE(fixed as bigint, at);
      return at + 8;
  }
}

// A bigint column's value as exchange-columns.ts gives it (decimal text, or a number or bigint).
function int64(value: unknown): bigint | undefined {
  let n: bigint;
  if (typeof value === "bigint") n = value;
  else if (typeof value === "number" && Number.isSafeInteger(value)) n = BigInt(value);
  else if (typeof value === "string" && INTEGER_TEXT.test(value)) n = BigInt(value);
  else return undefined;
  return n >= INT64_MIN && n <= INT64_MAX ? n : undefined;
}

// Microseconds since PostgreSQL's epoch of a valid RFC 3339 UTC timestamp in the plain form.
function timestampMicros(text: string): bigint | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  // Out-of-range fields are refused (PostgreSQL refuses them where Date would roll over).
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second) - POSTGRES_EPOCH_MS;
  const fraction = m[7] === undefined ? 0 : Number(m[7].padEnd(6, "0"));
  return BigInt(ms) * 1000n + BigInt(fraction);
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

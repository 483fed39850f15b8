// Sizing and writing one scalar value (no tag) for the compiled encoder, byte for byte as
// protobuf-es's BinaryWriter writes it. The generated code (message-source.ts) calls these by name
// (`rt.size_uint32`, `rt.write_uint32`...). A size function also checks its value (the size pass
// runs first, so a bad value writes nothing) and names the field when it refuses one, as toBinary
// does. Values BinaryWriter would coerce (a numeric string in an int32 field, a number in a string
// field) are refused instead: generated types never hold them, and guessing is how an encoder
// encodes wrongly.
import { protoInt64, ScalarType } from "@bufbuild/protobuf";
import { WireType } from "@bufbuild/protobuf/wire";
import { utf8Length, varint32Size, varint64Size, type WireWriter } from "./wire-writer.js";

function fail(field: string, what: string, value: unknown): never {
  const shown = typeof value === "number" || typeof value === "bigint" || typeof value === "string" ? value : typeof value;
  throw new Error(`cannot encode field ${field} to binary: invalid ${what}: ${shown}`);
}

function int32(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value > 0x7fffffff || value < -0x80000000) fail(field, "int32", value);
  return value;
}

function uint32(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value > 0xffffffff || value < 0) fail(field, "uint32", value);
  return value;
}

// A 64-bit value's two's-complement halves, as BinaryWriter takes them (protoInt64 parses and
// range-checks bigint, string and number values).
function halves(value: unknown, field: string, signed: boolean): { lo: number; hi: number } {
  try {
    return signed ? protoInt64.enc(value as bigint) : protoInt64.uEnc(value as bigint);
  } catch (error) {
    throw new Error(`cannot encode field ${field} to binary: ${(error as Error).message}`);
  }
}

// Most 64-bit values (token counts, seconds) fit 32 bits: no halves to compute.
const two32 = 0x100000000n;
const small = (value: unknown): value is bigint => typeof value === "bigint" && value >= 0n && value < two32;

function zigzag64(tc: { lo: number; hi: number }): [number, number] {
  const sign = tc.hi >> 31;
  return [(tc.lo << 1) ^ sign, ((tc.hi << 1) | (tc.lo >>> 31)) ^ sign];
}

/** The functions generated code calls, `size_<type>` and `write_<type>` for each scalar type. */
export const scalarRuntime = {
  size_string(w: WireWriter, value: unknown, field: string): number {
    if (typeof value !== "string") fail(field, "string", value);
    const length = utf8Length(value);
    w.sizes[w.top++] = length;
    return varint32Size(length) + length;
  },
  write_string(w: WireWriter, value: string): void {
    const length = w.sizes[w.next++]!;
    w.varint32(length);
    w.utf8(value, length);
  },
  size_bytes(_w: WireWriter, value: unknown, field: string): number {
    if (!(value instanceof Uint8Array)) fail(field, "bytes", value);
    return varint32Size(value.byteLength) + value.byteLength;
  },
  write_bytes(w: WireWriter, value: Uint8Array): void {
    w.varint32(value.byteLength);
    w.buf.set(value, w.pos);
    w.pos += value.byteLength;
  },
  // BinaryWriter.bool writes `value ? 1 : 0` whatever the value; so does this.
  size_bool: (): number => 1,
  write_bool(w: WireWriter, value: unknown): void {
    w.buf[w.pos++] = value ? 1 : 0;
  },
  size_int32: (_w: WireWriter, value: unknown, field: string): number => (int32(value, field) >= 0 ? varint32Size(value as number) : 10),
  write_int32(w: WireWriter, value: number): void {
    if (value >= 0) w.varint32(value);
    else w.varint64(value, -1); // sign-extended to 64 bits
  },
  size_uint32: (_w: WireWriter, value: unknown, field: string): number => varint32Size(uint32(value, field)),
  write_uint32: (w: WireWriter, value: number): void => w.varint32(value),
  size_sint32: (_w: WireWriter, value: unknown, field: string): number => varint32Size(((int32(value, field) << 1) ^ ((value as number) >> 31)) >>> 0),
  write_sint32: (w: WireWriter, value: number): void => w.varint32(((value << 1) ^ (value >> 31)) >>> 0),
  size_int64(_w: WireWriter, value: unknown, field: string): number {
    if (small(value)) return varint32Size(Number(value));
    const tc = halves(value, field, true);
    return varint64Size(tc.lo, tc.hi);
  },
  write_int64(w: WireWriter, value: unknown): void {
    if (small(value)) return w.varint32(Number(value));
    const tc = halves(value, "", true);
    w.varint64(tc.lo, tc.hi);
  },
  size_uint64(_w: WireWriter, value: unknown, field: string): number {
    if (small(value)) return varint32Size(Number(value));
    const tc = halves(value, field, false);
    return varint64Size(tc.lo, tc.hi);
  },
  write_uint64(w: WireWriter, value: unknown): void {
    if (small(value)) return w.varint32(Number(value));
    const tc = halves(value, "", false);
    w.varint64(tc.lo, tc.hi);
  },
  size_sint64: (_w: WireWriter, value: unknown, field: string): number => varint64Size(...zigzag64(halves(value, field, true))),
  write_sint64: (w: WireWriter, value: unknown): void => w.varint64(...zigzag64(halves(value, "", true))),
  size_fixed64(_w: WireWriter, value: unknown, field: string): number {
    halves(value, field, false);
    return 8;
  },
  write_fixed64(w: WireWriter, value: unknown): void {
    const tc = halves(value, "", false);
    w.int32le(tc.lo);
    w.int32le(tc.hi);
  },
  size_sfixed64(_w: WireWriter, value: unknown, field: string): number {
    halves(value, field, true);
    return 8;
  },
  write_sfixed64(w: WireWriter, value: unknown): void {
    const tc = halves(value, "", true);
    w.int32le(tc.lo);
    w.int32le(tc.hi);
  },
  size_fixed32(_w: WireWriter, value: unknown, field: string): number {
    uint32(value, field);
    return 4;
  },
  write_fixed32: (w: WireWriter, value: number): void => w.int32le(value | 0),
  size_sfixed32(_w: WireWriter, value: unknown, field: string): number {
    int32(value, field);
    return 4;
  },
  write_sfixed32: (w: WireWriter, value: number): void => w.int32le(value),
  size_float(_w: WireWriter, value: unknown, field: string): number {
    // A finite value too large for a float32 would become infinity: BinaryWriter refuses it.
    if (typeof value !== "number" || (!Number.isFinite(Math.fround(value)) && Number.isFinite(value))) fail(field, "float32", value);
    return 4;
  },
  write_float(w: WireWriter, value: number): void {
    w.dataView().setFloat32(w.pos, value, true);
    w.pos += 4;
  },
  size_double(_w: WireWriter, value: unknown, field: string): number {
    if (typeof value !== "number") fail(field, "double", value);
    return 8;
  },
  write_double(w: WireWriter, value: number): void {
    w.dataView().setFloat64(w.pos, value, true);
    w.pos += 8;
  },
};

// Map keys are held as property names (strings): converted back as toBinary converts them. A key
// that does not convert is passed on as it is, and the size function refuses it.
function parseKey(key: string, parse: (value: string) => bigint): bigint | string {
  try {
    return parse(key);
  } catch {
    return key;
  }
}

/** The map key converters generated code calls, `key_<kind>` (message-source.ts mapKeyKind). */
export const mapKeyRuntime = {
  key_string: (key: string): string => key,
  key_bool: (key: string): boolean | string => (key === "true" ? true : key === "false" ? false : key),
  key_int64: (key: string): bigint | string => parseKey(key, (value) => protoInt64.parse(value) as bigint),
  key_uint64: (key: string): bigint | string => parseKey(key, (value) => protoInt64.uParse(value) as bigint),
  key_int32(key: string): number | string {
    // biome-ignore lint/correctness/useParseIntRadix: toBinary's conversion, which reads "0x10" as 16
    const n = Number.parseInt(key);
    return Number.isFinite(n) ? n : key;
  },
};

/** The wire type a scalar type travels as, and its name in scalarRuntime (enums travel as int32). */
export function scalarWire(type: ScalarType): { wireType: WireType; name: string } {
  const name = ScalarType[type]?.toLowerCase();
  if (name === undefined || !(`size_${name}` in scalarRuntime)) throw new Error(`compiled encoder: no codec for scalar type ${type}`);
  switch (type) {
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return { wireType: WireType.LengthDelimited, name };
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return { wireType: WireType.Bit64, name };
    case ScalarType.FLOAT:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return { wireType: WireType.Bit32, name };
    default:
      return { wireType: WireType.Varint, name };
  }
}

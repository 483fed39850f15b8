// The output side of the compiled protobuf encoder (compiled-encoder.ts): an exact-size buffer and
// the two passes' shared memory. The size pass records, in visiting order, the body size of every
// length-delimited value it will write (nested messages, packed lists, strings' UTF-8 lengths); the
// write pass reads them back in the same order, so each length prefix is written once, at its final
// width, and nothing is copied or grown afterwards. protobuf-es's BinaryWriter instead starts at 128
// bytes, doubles (copying) as it goes, shifts every nested message past 127 bytes to widen its
// length prefix, and copies the whole result once more in finish().
import { Buffer } from "node:buffer";

// Strings at most this long are measured and written by a loop here; longer ones by Node's native
// UTF-8 code (Buffer.byteLength, Buffer#utf8Write: ~40-60 ns a call, a loop ~1.5 ns a character).
const shortString = 24;
const empty = Buffer.alloc(0);
// Buffer#utf8Write is what Buffer#write(…, "utf8") calls after checking its arguments (undocumented,
// but Node has had it for ever; protobufjs uses it too). Falls back to write() should it go.
type Utf8Write = (this: Buffer, value: string, offset: number, length: number) => number;
const utf8Write: Utf8Write =
  (Buffer.prototype as Buffer & { utf8Write?: Utf8Write }).utf8Write ??
  function (this: Buffer, value: string, offset: number, length: number) {
    return this.write(value, offset, length, "utf8");
  };

/** The buffer being written and the sizes the size pass left for the write pass. */
export class WireWriter {
  buf: Buffer = empty;
  pos = 0;
  /**
   * Body sizes of length-delimited values, in the order both passes visit them: the size pass
   * fills `sizes[0..top)`, the write pass reads them back at `next`. Kept between calls (setting
   * an array's length to 0 would free its store, to be grown again on every call).
   */
  readonly sizes: number[] = [];
  top = 0;
  next = 0;
  private view: DataView | undefined;

  /**
   * Starts a write pass into a fresh buffer of exactly `size` bytes. Not zeroed: the write pass
   * writes every byte, front to back without gaps, and finish() checks it reached the end.
   */
  begin(size: number): void {
    this.buf = Buffer.allocUnsafeSlow(size); // its own ArrayBuffer, not a slice of the shared pool
    this.pos = 0;
    this.next = 0;
    this.view = undefined;
  }

  /** Returns the written buffer, checking the size pass and the write pass agreed. */
  finish(): Uint8Array {
    if (this.pos !== this.buf.length || this.next !== this.top) {
      throw new Error(`compiled encoder: wrote ${this.pos} of ${this.buf.length} bytes, read ${this.next} of ${this.top} sizes`);
    }
    const out = this.buf;
    this.buf = empty;
    // A plain Uint8Array, as toBinary returns (a Buffer's slice() would share memory, not copy).
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }

  /** A DataView of the buffer, for the fixed-width values. */
  dataView(): DataView {
    return (this.view ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength));
  }

  /** Writes 32 bits little-endian (fixed32, sfixed32, half of a fixed64). */
  int32le(value: number): void {
    this.dataView().setInt32(this.pos, value, true);
    this.pos += 4;
  }

  /** Writes an unsigned 32-bit varint (the caller checked the range). */
  varint32(value: number): void {
    const buf = this.buf;
    let pos = this.pos;
    while (value > 0x7f) {
      buf[pos++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    buf[pos++] = value;
    this.pos = pos;
  }

  /** Writes a 64-bit varint from its two's-complement halves (BinaryWriter.writeVarint64's bytes). */
  varint64(lo: number, hi: number): void {
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < 28; i += 7) {
      const shift = lo >>> i;
      const hasNext = !(shift >>> 7 === 0 && hi === 0);
      buf[pos++] = (hasNext ? shift | 0x80 : shift) & 0xff;
      if (!hasNext) {
        this.pos = pos;
        return;
      }
    }
    const splitBits = ((lo >>> 28) & 0x0f) | ((hi & 0x07) << 4);
    const hasMoreBits = hi >> 3 !== 0;
    buf[pos++] = (hasMoreBits ? splitBits | 0x80 : splitBits) & 0xff;
    if (hasMoreBits) {
      for (let i = 3; i < 31; i += 7) {
        const shift = hi >>> i;
        const hasNext = shift >>> 7 !== 0;
        buf[pos++] = (hasNext ? shift | 0x80 : shift) & 0xff;
        if (!hasNext) {
          this.pos = pos;
          return;
        }
      }
      buf[pos++] = (hi >>> 31) & 0x01;
    }
    this.pos = pos;
  }

  /** Writes a string's UTF-8 bytes, `length` of them as the size pass measured (utf8Length). */
  utf8(value: string, length: number): void {
    const buf = this.buf;
    const pos = this.pos;
    if (length === value.length && length <= shortString) {
      // ASCII (any other code unit takes more than one byte).
      for (let i = 0; i < length; i++) buf[pos + i] = value.charCodeAt(i);
    } else {
      // Lone surrogates become U+FFFD (3 bytes), as BinaryWriter.string (TextEncoder) writes them.
      const written = utf8Write.call(this.buf, value, pos, length);
      if (written !== length) throw new Error(`compiled encoder: UTF-8 length ${written}, measured ${length}`);
    }
    this.pos = pos + length;
  }
}

/** Bytes of an unsigned 32-bit varint. */
export function varint32Size(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

/** Bytes of a 64-bit varint given its two's-complement halves. */
export function varint64Size(lo: number, hi: number): number {
  if (hi === 0) return varint32Size(lo >>> 0);
  const high = hi >>> 0;
  // 32 bits plus the high word's: up to 35 bits fit 5 bytes, 42 six, ... 64 need 10.
  if (high < 0x8) return 5;
  if (high < 0x400) return 6;
  if (high < 0x20000) return 7;
  if (high < 0x1000000) return 8;
  if (high < 0x80000000) return 9;
  return 10;
}

/** UTF-8 bytes of a string as TextEncoder writes it (a lone surrogate as U+FFFD, 3 bytes). */
export function utf8Length(value: string): number {
  const length = value.length;
  if (length > shortString) return Buffer.byteLength(value, "utf8");
  let bytes = length;
  for (let i = 0; i < length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < length && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2; // a pair: 4 bytes for 2 code units
      i++;
    } else bytes += 2; // 3 bytes, lone surrogates included
  }
  return bytes;
}

// A stream's writes to the caller as `exchange.response_writes` stores them: for each write in
// order, its offset in nanoseconds as a float64 (the JSON number `response_chunks` held, so a row
// reads back as it did from there), its UTF-8 length as an int32 and its bytes; all big-endian.
// Nothing is escaped: the SSE lines' JSON is copied as it is, where the jsonb form escaped every
// quote in the control plane and PostgreSQL parsed and later re-rendered it.
import type { Duration } from "@bufbuild/protobuf/wkt";

/** One write: its offset from the start in nanoseconds and its text. */
export interface StoredWrite { ns: number; data: string }

/** What `response_writes` holds for `writes` (each `data` free of U+0000, as text columns are). */
export function encodeWrites(writes: readonly StoredWrite[]): Buffer {
  const lengths = new Int32Array(writes.length);
  let size = 0;
  for (let i = 0; i < writes.length; i++) {
    lengths[i] = Buffer.byteLength(writes[i]!.data, "utf8");
    size += 12 + lengths[i]!;
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (let i = 0; i < writes.length; i++) {
    out.writeDoubleBE(writes[i]!.ns, at);
    out.writeInt32BE(lengths[i]!, at + 8);
    at += 12;
    at += out.write(writes[i]!.data, at, "utf8");
  }
  return out;
}

/** The writes `encodeWrites` stored; throws on bytes it did not write. */
export function decodeWrites(bytes: Uint8Array): StoredWrite[] {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const writes: StoredWrite[] = [];
  let at = 0;
  while (at < view.length) {
    if (at + 12 > view.length) throw new Error("response_writes: a write's header is cut");
    const ns = view.readDoubleBE(at);
    const length = view.readInt32BE(at + 8);
    at += 12;
    if (length < 0 || at + length > view.length) throw new Error("response_writes: a write's bytes are cut");
    writes.push({ ns, data: view.toString("utf8", at, at + length) });
    at += length;
  }
  return writes;
}

/** A write's offset in nanoseconds as the JSON number `response_chunks` held (exact below 2^53). */
export function offsetNanos(offset: Duration | undefined): number {
  if (!offset) return 0;
  const { seconds, nanos } = offset;
  if (seconds > -9_000_000n && seconds < 9_000_000n) return Number(seconds) * 1_000_000_000 + nanos;
  return Number(seconds * 1_000_000_000n + BigInt(nanos));
}

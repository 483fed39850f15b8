// Keeps the first `limit` bytes of a body as text, flagging when more was seen. Bodies are recorded
// for audit, not replayed, so the cut only has to land on a character boundary.

/** Bytes in, bounded text out. */
export interface TextCapture {
  push(chunk: Uint8Array): void;
  /** The captured text, cut at the limit on a UTF-8 character boundary. */
  result(): { text: string; truncated: boolean };
  /** Every byte pushed, when they were all kept (at most `keep` of them); else undefined. */
  whole(): Buffer | undefined;
}

/** The first `limit` bytes of `bytes` as text, never splitting a multi-byte character. */
export function cutText(bytes: Uint8Array, limit: number): { text: string; truncated: boolean } {
  if (bytes.length <= limit) return { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("utf8"), truncated: false };
  let end = limit;
  // Step back over continuation bytes (10xxxxxx) to the start of the character that straddles the cut.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return { text: Buffer.from(bytes.buffer, bytes.byteOffset, end).toString("utf8"), truncated: true };
}

/** The first `limit` characters' worth (at most `limit` UTF-8 bytes) of an already-decoded string. */
export function cutString(text: string, limit: number): { text: string; truncated: boolean } {
  if (text.length * 3 <= limit) return { text, truncated: false };
  return cutText(Buffer.from(text, "utf8"), limit);
}

/**
 * Creates a capture that stores at most `limit` bytes (plus one, to find the cut) of everything
 * pushed — or, when `keep` is larger, the first `keep` bytes, so that a body past the limit can
 * still be read whole (whole()) for what the record needs from it beyond its text.
 */
export function createTextCapture(limit: number, keep = 0): TextCapture {
  const chunks: Buffer[] = [];
  const cap = Math.max(limit + 1, keep);
  let stored = 0;
  let seen = 0;
  const kept = () => (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
  return {
    push(chunk) {
      seen += chunk.length;
      const room = cap - stored;
      if (room <= 0) return;
      const piece = Buffer.from(chunk.buffer, chunk.byteOffset, Math.min(room, chunk.length));
      chunks.push(Buffer.from(piece)); // copy: the caller may reuse its buffer
      stored += piece.length;
    },
    result() {
      const { text, truncated } = cutText(kept(), limit);
      return { text, truncated: truncated || seen > limit };
    },
    whole: () => (seen <= cap ? kept() : undefined),
  };
}

// The writes of a streamed response to the caller, each with its offset since the response
// started, so `palisade audit replay` can re-emit them with their timing. Bounded by the record
// limit: once the writes add up to more than `limit` bytes, no more are kept (flagged as cut).
// The bytes are kept as they were written (no copy: the writer hands over buffers it does not
// reuse) and turned into the record's messages once, at the end: a stream's writes no longer sit
// in the heap as strings and messages for its whole length, surviving scavenges on the way.
import { type Duration, durationFromMs } from "@bufbuild/protobuf/wkt";
import { type ResponseChunk, ResponseChunkSchema } from "../../gen/palisade/agent/v1/exchange_pb.js";

/** Collects timed writes. */
export interface ChunkCapture {
  /** One write, made at `at` (ms, from the capture's clock; default now); its bytes must not change afterwards. */
  push(chunk: Uint8Array, at?: number): void;
  /** The writes kept, and whether some were left out. */
  result(): { chunks: ResponseChunk[]; truncated: boolean };
}

/**
 * durationFromMs's message for a whole, non-negative number of ms (what the capture's clock gives):
 * the same fields, made as create() makes a proto3 message (a plain object, these keys in this
 * order), without create()'s walk of the descriptor or protoInt64's checks (a safe integer's seconds are in range). Anything
 * else goes through durationFromMs. Per write of a long stream, this was most of result()'s time.
 */
function offsetOf(ms: number): Duration {
  if (!Number.isSafeInteger(ms) || ms < 0) return durationFromMs(ms);
  const seconds = Math.floor(ms / 1000);
  return { $typeName: "google.protobuf.Duration", seconds: BigInt(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
}

const streaming = { stream: true } as const;

/** Starts capturing at `startedAt` (ms, from `now`), keeping at most `limit` bytes of writes. */
export function createChunkCapture(limit: number, now: () => number): ChunkCapture {
  const startedAt = now();
  const writes: Uint8Array[] = [];
  const times: number[] = [];
  let kept = 0;
  let truncated = false;
  return {
    push(chunk, at = now()) {
      if (truncated || chunk.length === 0) return;
      if (kept + chunk.length > limit) {
        truncated = true;
        return;
      }
      kept += chunk.length;
      writes.push(chunk);
      times.push(at);
    },
    result() {
      // Streaming: a character split across two writes is completed by the second one.
      const decoder = new TextDecoder("utf-8", { fatal: false });
      const chunks: ResponseChunk[] = [];
      for (let index = 0; index < writes.length; index++) {
        // The message create(ResponseChunkSchema, …) makes (a plain object, these keys in this order).
        chunks.push({ $typeName: ResponseChunkSchema.typeName, offset: offsetOf(times[index]! - startedAt), data: decoder.decode(writes[index], streaming) });
      }
      const rest = truncated ? "" : decoder.decode();
      if (rest && chunks.length > 0) chunks.at(-1)!.data += rest;
      return { chunks, truncated };
    },
  };
}

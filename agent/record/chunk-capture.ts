// The writes of a streamed response to the caller, each with its offset since the response
// started, so `palisade audit replay` can re-emit them with their timing. Bounded by the record
// limit: once the writes add up to more than `limit` bytes, no more are kept (flagged as cut).
// The bytes are kept as they were written (no copy: the writer hands over buffers it does not
// reuse) and turned into the record's messages once, at the end: a stream's writes no longer sit
// in the heap as strings and messages for its whole length, surviving scavenges on the way.
import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { type ResponseChunk, ResponseChunkSchema } from "../../gen/palisade/agent/v1/exchange_pb.js";

/** Collects timed writes. */
export interface ChunkCapture {
  /** One write, made at `at` (ms, from the capture's clock; default now); its bytes must not change afterwards. */
  push(chunk: Uint8Array, at?: number): void;
  /** The writes kept, and whether some were left out. */
  result(): { chunks: ResponseChunk[]; truncated: boolean };
}

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
        chunks.push(create(ResponseChunkSchema, {
          offset: durationFromMs(times[index]! - startedAt),
          data: decoder.decode(writes[index], { stream: true }),
        }));
      }
      const rest = truncated ? "" : decoder.decode();
      if (rest && chunks.length > 0) chunks.at(-1)!.data += rest;
      return { chunks, truncated };
    },
  };
}

// The writes of a streamed response to the caller, each with its offset since the response
// started, so `palisade audit replay` can re-emit them with their timing. Bounded by the record
// limit: once the writes add up to more than `limit` bytes, no more are kept (flagged as cut).
import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { type ResponseChunk, ResponseChunkSchema } from "../../gen/palisade/agent/v1/exchange_pb.js";

/** Collects timed writes. */
export interface ChunkCapture {
  push(chunk: Uint8Array): void;
  /** The writes kept, and whether some were left out. */
  result(): { chunks: ResponseChunk[]; truncated: boolean };
}

/** Starts capturing at `startedAt` (ms, from `now`), keeping at most `limit` bytes of writes. */
export function createChunkCapture(limit: number, now: () => number): ChunkCapture {
  const startedAt = now();
  // Streaming: a character split across two writes is completed by the second one.
  const decoder = new TextDecoder("utf-8", { fatal: false });
  const chunks: ResponseChunk[] = [];
  let kept = 0;
  let truncated = false;
  return {
    push(chunk) {
      if (truncated || chunk.length === 0) return;
      if (kept + chunk.length > limit) {
        truncated = true;
        return;
      }
      kept += chunk.length;
      chunks.push(create(ResponseChunkSchema, {
        offset: durationFromMs(now() - startedAt),
        data: decoder.decode(chunk, { stream: true }),
      }));
    },
    result() {
      const rest = truncated ? "" : decoder.decode();
      if (rest && chunks.length > 0) chunks.at(-1)!.data += rest;
      return { chunks, truncated };
    },
  };
}

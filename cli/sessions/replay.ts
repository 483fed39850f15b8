// Re-renders a recorded exchange as its client saw it: the request, then the response — a streamed
// one write by write at its recorded offsets (divided by the speed), a whole one at once.
import { setTimeout as sleep } from "node:timers/promises";
import type { Duration } from "@bufbuild/protobuf/wkt";
import type { Exchange } from "../../gen/palisade/agent/v1/exchange_pb.js";

/** Where replay writes, and how it waits (tests may pass their own). */
export interface ReplayOutput {
  out(text: string): void;
  wait?(ms: number, signal?: AbortSignal): Promise<void>;
}

function millis(d: Duration | undefined): number {
  return d ? Number(d.seconds) * 1000 + d.nanos / 1e6 : 0;
}

/** The request line and body as sent. */
export function requestText(x: Exchange): string {
  return `> ${x.method} /${x.connection}${x.path}\n${x.requestBody}${x.requestTruncated ? "\n(request body truncated at the record limit)" : ""}\n`;
}

/**
 * Writes the response: with `speed` > 0, waits the recorded time to first byte and each write's
 * offset divided by `speed`; with 0, writes at once. Resolves when done (or stopped by `signal`).
 */
export async function replayResponse(x: Exchange, speed: number, output: ReplayOutput, signal?: AbortSignal): Promise<void> {
  const wait = output.wait ?? ((ms, s) => sleep(ms, undefined, { signal: s }));
  // Offsets count from the response's start, which is about the first byte.
  const firstByte = millis(x.timeToFirstByte);
  if (speed > 0 && firstByte > 0) await wait(firstByte / speed, signal);
  output.out(`< ${x.status}${x.stream ? " (streamed)" : ""}\n`);
  if (x.responseChunks.length === 0) {
    output.out(x.responseBody);
  } else {
    const base = performance.now();
    for (const chunk of x.responseChunks) {
      // Waits against the clock, not chunk to chunk: slow writes do not add up.
      const due = speed > 0 ? millis(chunk.offset) / speed : 0;
      const elapsed = performance.now() - base;
      if (due > elapsed) await wait(due - elapsed, signal);
      output.out(chunk.data);
    }
  }
  if (x.responseTruncated) output.out("\n(response truncated at the record limit)");
  output.out("\n");
}

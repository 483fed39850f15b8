// Standard output and error as the CLI writes them: ordered writes whose failure is remembered
// instead of thrown (an unhandled EPIPE would print a stack trace), room-to-write for commands
// that stream, and a flush the runner awaits so the process never exits with output still queued.
// Node writes to a pipe asynchronously once the pipe's 64 KiB buffer is full: exiting then drops
// the rest, which is how `palisade … | jq` once read a truncated document (issue 17).
import type { Writable } from "node:stream";

/** Thrown to a streaming command once stdout cannot be written: stop producing output. */
export class OutputClosedError extends Error {
  constructor(readonly failure: Error) {
    super(`standard output failed: ${failure.message}`);
    this.name = "OutputClosedError";
  }
}

/** One standard stream as the CLI writes it. */
export interface OutputSink {
  /** Queues `text`; never throws. After a failure, writes are dropped. */
  write(text: string): void;
  /** Resolves when the stream can take more (at once below its buffer's high-water mark); rejects with OutputClosedError after a failure. */
  ready(): Promise<void>;
  /** Resolves once every write was handed to the OS or failed, with the first failure if any. */
  flush(): Promise<Error | undefined>;
}

/** The sink over `stream` (process.stdout or process.stderr). */
export function createOutputSink(stream: Writable): OutputSink {
  let failure: Error | undefined;
  let pending = 0;
  const flushed: Array<() => void> = [];
  const waiting = new Set<() => void>();
  const fail = (error: Error) => {
    failure ??= error;
    // A command waiting for room is told now: no `drain` follows a failure.
    for (const wake of waiting) wake();
  };
  // Without a listener an EPIPE (the reader went away) would be an uncaught exception.
  stream.on("error", fail);
  return {
    write(text) {
      if (failure !== undefined || text === "") return;
      pending += 1;
      stream.write(text, (error) => {
        if (error) fail(error);
        pending -= 1;
        if (pending === 0) for (const resolve of flushed.splice(0)) resolve();
      });
    },
    ready() {
      if (failure !== undefined) return Promise.reject(new OutputClosedError(failure));
      if (!stream.writableNeedDrain) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const wake = () => {
          stream.off("drain", wake);
          waiting.delete(wake);
          if (failure === undefined) resolve();
          else reject(new OutputClosedError(failure));
        };
        stream.on("drain", wake);
        waiting.add(wake);
      });
    },
    async flush() {
      // Every write calls back, failed or not: Node fails the writes queued behind a failed one too.
      if (pending > 0) await new Promise<void>((resolve) => flushed.push(resolve));
      return failure;
    },
  };
}

/** Whether `error` means the reader closed the pipe (`| head`): what it read is what it wanted. */
export function isClosedPipe(error: Error): boolean {
  return (error as NodeJS.ErrnoException).code === "EPIPE";
}

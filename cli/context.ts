// What a command may touch outside itself. The real process supplies its streams, env and
// signals; tests supply their own to run commands in-process.
import { text } from "node:stream/consumers";
import { createAdminClients, createAdminTransport, type AdminClients } from "./client.js";
import { createOutputSink } from "./output-sink.js";

/** Everything a command reads from or writes to the world. */
export interface CliContext {
  /** Writes command output (the only thing on stdout). Never throws: a failed stdout is the runner's to report. */
  out(text: string): void;
  /**
   * Writes output and resolves when stdout can take more, so a command producing output without
   * end (a stream of pages) holds only what the reader has not taken yet. Rejects with
   * OutputClosedError once stdout failed (the reader of the pipe went away): stop producing.
   */
  write(text: string): Promise<void>;
  /** Writes messages, progress and errors. */
  err(text: string): void;
  /**
   * Resolves once everything written to stdout and stderr has reached the OS (or failed), with
   * stdout's write failure if there was one. The runner awaits it before the process may exit.
   */
  flush(): Promise<Error | undefined>;
  /** Reads all of standard input (for `apply -f -`). */
  readStdin(): Promise<string>;
  /** Environment variables (flags win over these). */
  env: Readonly<Record<string, string | undefined>>;
  /** Admin API clients for a control plane (trusting `caFile` when it is https). */
  connect(server: string, token: string | undefined, caFile?: string): AdminClients;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM), with the signal's name. */
  untilStopped(): Promise<string>;
}

/** The context of the real process. */
export function processContext(): CliContext {
  const stdout = createOutputSink(process.stdout);
  const stderr = createOutputSink(process.stderr);
  return {
    out: (text) => stdout.write(text),
    write: (text) => {
      stdout.write(text);
      return stdout.ready();
    },
    err: (text) => stderr.write(text),
    // stderr's own failure has nowhere to be reported; its flush only waits for it.
    flush: async () => {
      const [failure] = await Promise.all([stdout.flush(), stderr.flush()]);
      return failure;
    },
    readStdin: () => text(process.stdin),
    env: process.env,
    connect: (server, token, caFile) => createAdminClients(createAdminTransport({ server, token, caFile })),
    untilStopped: () =>
      new Promise((resolve) => {
        const stop = (signal: NodeJS.Signals) => {
          // A second signal while shutting down means "now": exit without waiting.
          process.once("SIGINT", () => process.exit(130));
          process.once("SIGTERM", () => process.exit(143));
          resolve(signal);
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      }),
  };
}

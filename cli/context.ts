// What a command may touch outside itself. The real process supplies its streams, env and
// signals; tests supply their own to run commands in-process.
import { text } from "node:stream/consumers";
import { createAdminClients, createAdminTransport, type AdminClients } from "./client.js";

/** Everything a command reads from or writes to the world. */
export interface CliContext {
  /** Writes command output (the only thing on stdout). */
  out(text: string): void;
  /** Writes messages, progress and errors. */
  err(text: string): void;
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
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
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

// `palisade up` starts its control plane (and the embedded database) in a worker thread: one
// process as before, but the agent's event loop no longer shares its time with the control plane's
// ingest, snapshot builds or PGlite (docs/performance.md measured 20+ ms stalls at the p99).
import { Worker } from "node:worker_threads";
import type { ControlPlaneOptions } from "../../control-plane/control-plane.js";
import { CliError } from "../errors.js";

/** What the thread is started with: the control plane's options less the logger, made there. */
export interface ControlPlaneThreadData {
  options: Omit<ControlPlaneOptions, "logger">;
  logLevel: string | undefined;
  env: Record<string, string | undefined>;
  entry?: string;
}

/** Messages from the thread. */
export type FromControlPlaneThread =
  | { type: "listening"; url: string }
  | { type: "failed"; message: string; exitCode?: number; stack?: string }
  | { type: "closed"; error?: string };

/** The control plane running in its thread. */
export interface ControlPlaneThread {
  url: string;
  /** Rejects if the thread dies while running (it is not restarted). */
  died: Promise<never>;
  /** Closes the control plane (its database included) and ends the thread. */
  close(): Promise<void>;
}

// The module the thread runs: the compiled .js beside this file in dist/, run as is; among the
// sources, the .ts, loaded through cli/thread-entry.js, which registers tsx in the thread first.
const fromSources = import.meta.url.endsWith(".ts");
const threadModule = new URL(`./up-control-plane-thread${fromSources ? ".ts" : ".js"}`, import.meta.url);
const threadEntry = fromSources ? new URL("../thread-entry.js", import.meta.url) : threadModule;

/** Starts the control plane in a worker thread; resolves once it listens, rejects (a CliError when it is the user's to fix) when it cannot start. */
export async function startControlPlaneThread(data: Omit<ControlPlaneThreadData, "entry">): Promise<ControlPlaneThread> {
  const worker = new Worker(threadEntry, { workerData: { ...data, entry: threadModule.href } satisfies ControlPlaneThreadData });
  const exited = new Promise<number>((resolve) => worker.once("exit", resolve));
  const next = () =>
    new Promise<FromControlPlaneThread>((resolve, reject) => {
      const onMessage = (message: FromControlPlaneThread) => {
        worker.off("error", reject);
        resolve(message);
      };
      worker.once("message", onMessage);
      worker.once("error", reject);
      void exited.then((code) => reject(new Error(`the control plane's thread exited (code ${code})`)));
    });
  const first = await next().catch(async (error: unknown) => {
    await worker.terminate();
    throw error;
  });
  if (first.type !== "listening") {
    await worker.terminate();
    if (first.type === "failed" && first.exitCode !== undefined) throw new CliError(first.message, first.exitCode);
    // Anything else fails `up` as it did when the control plane ran on this thread: message and stack.
    const error = new Error(first.type === "failed" ? first.message : "the control plane's thread closed before listening");
    if (first.type === "failed" && first.stack !== undefined) error.stack = first.stack;
    throw error;
  }
  let closing = false;
  const died = new Promise<never>((_, reject) => {
    worker.on("error", (error) => reject(new CliError(`the control plane stopped: ${error.message}`)));
    void exited.then((code) => {
      if (!closing) reject(new CliError(`the control plane stopped (thread exit code ${code})`));
    });
  });
  died.catch(() => {}); // observed by `up`; never an unhandled rejection
  return {
    url: first.url,
    died,
    async close() {
      closing = true;
      const closed = new Promise<FromControlPlaneThread>((resolve) => worker.once("message", resolve));
      worker.postMessage({ type: "close" });
      const answer = await Promise.race([closed, exited.then((): FromControlPlaneThread => ({ type: "closed" }))]);
      await worker.terminate();
      if (answer.type === "closed" && answer.error !== undefined) throw new Error(`closing the control plane: ${answer.error}`);
    },
  };
}

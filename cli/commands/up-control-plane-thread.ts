// The control plane of `palisade up`, run in a worker thread of its own (up-control-plane.ts) so
// that nothing it or the embedded database does — ingesting the agent's records, compiling
// snapshots, PGlite's WASM, its garbage collection — runs on the agent's event loop. It tells the
// main thread where it listens (or why it could not start), and closes when told to.
import { parentPort, workerData } from "node:worker_threads";
import { SecretKeyError } from "../../control-plane/crypto/secret-key.js";
import { CliError, databaseFailure } from "../errors.js";
import { listening } from "../listen.js";
import { lowerThreadPriority } from "../thread-priority.js";
import { createLogger } from "../logger.js";
import { tlsFailure } from "../tls-settings.js";
import type { ControlPlaneThreadData, FromControlPlaneThread } from "./up-control-plane.js";

const data = workerData as ControlPlaneThreadData;
const port = parentPort!;
const tell = (message: FromControlPlaneThread) => port.postMessage(message);

function failure(error: unknown): FromControlPlaneThread {
  const mapped = error instanceof SecretKeyError ? new CliError(error.message) : tlsFailure(databaseFailure(error, data.options.databaseUrl !== undefined));
  if (mapped instanceof CliError) return { type: "failed", message: mapped.message, exitCode: mapped.exitCode };
  return { type: "failed", message: mapped instanceof Error ? mapped.message : String(mapped), stack: mapped instanceof Error ? mapped.stack : undefined };
}

// Below the agent's priority (nice 10 unless PALISADE_UP_CONTROL_PLANE_NICE says otherwise; 0:
// the same as the agent's): on a machine with few cores the ingest waits for a core, not the
// caller's request (docs/performance.md, "The p99 at one connection and the control plane").
const nice = Number(data.env.PALISADE_UP_CONTROL_PLANE_NICE ?? 10);
if (Number.isFinite(nice) && nice > 0) lowerThreadPriority(nice);

try {
  const { startControlPlane } = await import("../../control-plane/control-plane.js");
  const logger = createLogger(data.logLevel, data.env, "warn");
  const controlPlane = await listening("the control plane", data.options.listen, () => startControlPlane({ ...data.options, logger }));
  port.once("message", () => {
    controlPlane.close().then(
      () => tell({ type: "closed" }),
      (error: unknown) => tell({ type: "closed", error: error instanceof Error ? error.message : String(error) }),
    );
  });
  tell({ type: "listening", url: controlPlane.url });
} catch (error) {
  tell(failure(error));
}

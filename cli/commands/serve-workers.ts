// `palisade agent --workers N`: N node:cluster workers sharing the listening port, each a whole
// agent with its own control stream (its own instance), under a primary that restarts the ones
// that die and forwards the stop signal (docs/agent.md "Workers").
import { availableParallelism } from "node:os";
import { Option } from "commander";
import type { Logger } from "pino";
import type { Agent, AgentOptions } from "../../agent/agent.js";
import { REPLACEMENT_ENV } from "../../agent/cluster/messages.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { nonEmpty } from "../settings.js";

type Env = Readonly<Record<string, string | undefined>>;

const MAX_WORKERS = 256;


/** `--workers N|auto`. */
export function workersOption(): Option {
  return new Option(
    "--workers <count>",
    "agent processes sharing the port, each with its own control stream; `auto` = one per CPU [env: PALISADE_WORKERS, default: 1]",
  );
}

/** Resolves `--workers` (flag, else PALISADE_WORKERS, else 1); `auto` is the available parallelism. */
export function agentWorkers(flag: string | undefined, env: Env): number {
  const text = (flag ?? nonEmpty(env.PALISADE_WORKERS) ?? "1").trim();
  if (text === "auto") return availableParallelism();
  const count = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(count) || count < 1 || count > MAX_WORKERS) {
    throw new CliError(`--workers must be a whole number from 1 to ${MAX_WORKERS}, or auto, got "${text}"`);
  }
  return count;
}

/** What the serving code hands to the worker and primary paths. */
export interface WorkerServing {
  /** Starts this process's agent (a worker's `/-/metrics` answers for all workers). */
  start(extra: Pick<AgentOptions, "metricsText" | "listenAfterSnapshot" | "limits">): Promise<Agent>;
  logger: Logger;
  controlPlane: string;
}

/**
 * In a worker: serves one agent until the primary forwards SIGTERM. SIGINT is ignored (a Ctrl-C
 * reaches the whole process group, and the primary forwards it as SIGTERM anyway); a second
 * SIGTERM exits at once.
 */
export async function serveAsWorker(serving: WorkerServing): Promise<void> {
  const { createWorkerLink } = await import("../../agent/cluster/worker-link.js");
  const { createSharedLimits } = await import("../../agent/cluster/shared-limits.js");
  const { createLimitTracker } = await import("../../agent/policy/limits.js");
  const link = createWorkerLink();
  const limits = createSharedLimits(createLimitTracker(), (reason) => serving.logger.warn(reason));
  process.on("SIGINT", () => {});
  const stop = new AbortController();
  const stopped = new Promise<void>((resolve) => process.once("SIGTERM", () => {
    process.once("SIGTERM", () => process.exit(143));
    stop.abort();
    resolve();
  }));
  // A replacement, while its siblings serve, joins the listener only with a snapshot in force.
  const replacement = process.env[REPLACEMENT_ENV] === "1";
  let agent: Agent;
  try {
    agent = await serving.start({ metricsText: () => link.metricsText(), limits, ...(replacement ? { listenAfterSnapshot: stop.signal } : {}) });
  } catch (error) {
    if (stop.signal.aborted) return; // stopped while waiting for its first snapshot
    throw error;
  }
  link.serving(agent.registry, agent.url, agent.instance);
  await stopped;
  await agent.close();
}

/** In the primary: runs `workers` workers until stopped; fails when one cannot start. */
export async function superviseWorkers(
  serving: Omit<WorkerServing, "start"> & { workers: number; drainTimeoutMs: number },
  ctx: CliContext,
): Promise<void> {
  const { startSupervisor } = await import("../../agent/cluster/supervisor.js");
  const stopped = ctx.untilStopped();
  // A worker's stop: drain, then up to 5 s of flush and 2 s of stream close; 10 s to spare.
  const supervisor = startSupervisor({ workers: serving.workers, logger: serving.logger, stopGraceMs: serving.drainTimeoutMs + 17_000 });
  const ready = await Promise.race([supervisor.ready.then((workers) => ({ workers })), stopped.then(() => undefined)]).catch(async (error: unknown) => {
    await supervisor.stop();
    throw new CliError(`${error instanceof Error ? error.message : String(error)}; see its error above`);
  });
  if (ready) {
    const url = ready.workers[0]!.url;
    ctx.err(
      `agent listening on ${url} with ${serving.workers} workers (instances ${ready.workers.map((w) => w.instance).join(", ")}; ` +
        `control plane ${serving.controlPlane}); SDK base URL: ${url}/<connection>/v1\n`,
    );
    await stopped;
  }
  ctx.err(`stopping the agent (${serving.workers} workers)\n`);
  if (!(await supervisor.stop())) throw new CliError("an agent worker did not stop cleanly (see its log)");
}

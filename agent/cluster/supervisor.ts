// The primary of `palisade agent --workers N`: forks N workers that share the listening port
// (node:cluster), restarts a worker that dies with a backed-off delay, forwards the stop signal
// for a graceful drain, sums the workers' metrics for whichever worker is scraped, and holds the
// limit counters the workers share.
// It serves nothing itself (docs/agent.md "Workers").
import cluster, { type Worker } from "node:cluster";
import type { Logger } from "pino";
import { AggregatorRegistry, Counter, Gauge, Registry } from "prom-client";
import { createLimitTracker } from "../policy/limits.js";
import { createBackoff, type Backoff, type BackoffOptions } from "../../core/net/backoff.js";
import { isMessage, REPLACEMENT_ENV, type ListeningMessage, type MetricsResponse } from "./messages.js";
import { answerLimits } from "./shared-limits.js";

/** Settings of the supervisor. */
export interface SupervisorOptions {
  workers: number;
  logger: Logger;
  /** How long a stopping worker may take (its drain, flush and stream close) before it is killed. */
  stopGraceMs: number;
  /** Restart delays of one worker slot; default 0.5 s doubling to 30 s, reset after 60 s up. */
  backoff?: BackoffOptions;
}

/** The running supervisor. */
export interface Supervisor {
  /** Resolves once every first worker serves (their listening messages); rejects when one exits first. */
  ready: Promise<ListeningMessage[]>;
  /** SIGTERM to every worker (each drains), restarts stop; resolves when all have exited: true if all exited 0. */
  stop(): Promise<boolean>;
}

const defaultBackoff: BackoffOptions = { baseMs: 500, capMs: 30_000, stableMs: 60_000 };

interface Slot {
  index: number;
  worker?: Worker;
  startedAt: number;
  backoff: Backoff;
  restartTimer?: NodeJS.Timeout;
  listening?: ListeningMessage;
}

/** Forks the workers (call only in the primary) and supervises them until `stop`. */
export function startSupervisor(options: SupervisorOptions): Supervisor {
  const log = options.logger.child({ component: "agent-primary" });
  const aggregator = new AggregatorRegistry();
  const own = new Registry();
  new Gauge({ name: "palisade_agent_workers", help: "Workers the primary keeps running (--workers)", registers: [own] }).set(options.workers);
  const running = new Gauge({ name: "palisade_agent_workers_running", help: "Workers alive now", registers: [own] });
  const restarts = new Counter({ name: "palisade_agent_worker_restarts_total", help: "Workers restarted after they exited on their own", registers: [own] });

  // The workers' one set of limit counters (agent/cluster/shared-limits.ts).
  const limits = createLimitTracker();

  const slots: Slot[] = Array.from({ length: options.workers }, (_, index) => ({
    index, startedAt: 0, backoff: createBackoff(options.backoff ?? defaultBackoff),
  }));
  let stopping = false;
  let firstRound = true;
  let settleReady!: { resolve(value: ListeningMessage[]): void; reject(error: Error): void };
  const ready = new Promise<ListeningMessage[]>((resolve, reject) => (settleReady = { resolve, reject }));
  const exits = new Set<Promise<number | null>>();
  let allZero = true;

  const countRunning = () => running.set(slots.filter((slot) => slot.worker && !slot.worker.isDead()).length);

  async function answerScrape(worker: Worker, id: number): Promise<void> {
    const reply: MetricsResponse = { type: "palisade:metrics", id };
    try {
      countRunning();
      reply.text = `${await aggregator.clusterMetrics()}\n${await own.metrics()}`;
    } catch (error) {
      reply.error = error instanceof Error ? error.message : String(error);
    }
    if (worker.isConnected()) worker.send(reply);
  }

  function fork(slot: Slot): void {
    slot.restartTimer = undefined;
    slot.listening = undefined;
    slot.startedAt = Date.now();
    // A replacement while others serve listens only once it has a snapshot (docs/agent.md "Workers").
    const replacement = !firstRound && slots.some((other) => other !== slot && other.worker && other.listening);
    const worker = cluster.fork({ PALISADE_WORKER_INDEX: String(slot.index), [REPLACEMENT_ENV]: replacement ? "1" : "0" });
    slot.worker = worker;
    worker.on("message", (message: unknown) => {
      if (isMessage(message, "palisade:metrics-request")) void answerScrape(worker, message.id);
      else if (isMessage(message, "palisade:listening")) listening(slot, message);
      else {
        const answer = answerLimits(limits, message);
        if (answer && worker.isConnected()) worker.send(answer);
      }
    });
    exits.add(new Promise((resolve) => worker.once("exit", (code, signal) => {
      exited(slot, worker, code, signal);
      resolve(code);
    })));
  }

  function listening(slot: Slot, message: ListeningMessage): void {
    slot.listening = message;
    log.info({ worker: slot.index, instance: message.instance, url: message.url }, "agent worker serving");
    if (firstRound && slots.every((s) => s.listening)) {
      firstRound = false;
      settleReady.resolve(slots.map((s) => s.listening!));
    }
  }

  function exited(slot: Slot, worker: Worker, code: number | null, signal: string | null): void {
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    countRunning();
    if (stopping) {
      if (code !== 0) allZero = false;
      return;
    }
    if (firstRound) {
      // A worker that cannot start (a bad file, a taken port) would fail again: give up.
      stopping = true;
      settleReady.reject(new Error(`agent worker ${slot.index} exited (${signal ?? `code ${code}`}) before it served`));
      for (const other of slots) other.worker?.process.kill("SIGTERM");
      return;
    }
    slot.backoff.streamEnded(Date.now() - slot.startedAt);
    const delay = slot.backoff.next();
    restarts.inc();
    log.error({ worker: slot.index, code, signal, instance: slot.listening?.instance, restartInMs: delay }, "agent worker exited; restarting it");
    slot.restartTimer = setTimeout(() => fork(slot), delay);
  }

  for (const slot of slots) fork(slot);

  return {
    ready,
    async stop() {
      stopping = true;
      for (const slot of slots) {
        clearTimeout(slot.restartTimer);
        slot.worker?.process.kill("SIGTERM");
      }
      // A worker still running after its grace is killed; its unacknowledged records are lost.
      const killer = setTimeout(() => {
        for (const slot of slots) {
          if (!slot.worker || slot.worker.isDead()) continue;
          log.error({ worker: slot.index, graceMs: options.stopGraceMs }, "agent worker did not stop in time; killing it");
          slot.worker.process.kill("SIGKILL");
        }
      }, options.stopGraceMs);
      await Promise.all(exits);
      clearTimeout(killer);
      return allZero;
    },
  };
}

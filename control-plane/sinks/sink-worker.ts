// One sink's delivery loop, at least once: read the entries after the sink's cursor, deliver them,
// then move the cursor in the database. A crash between delivery and the cursor update delivers
// that batch again after the restart; nothing is skipped. Runs only while this replica holds the
// sink's lease; failures are retried with exponential backoff and full jitter.
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { createBackoff } from "../../core/net/backoff.js";
import type { Database } from "../storage/database.js";
import { addressedTo, advanceCursor, readCursor, readFeed } from "./audit-feed.js";
import { sinkEvent } from "./sink-event.js";
import type { SinkLeases } from "./sink-leases.js";
import type { SinkMetrics } from "./sink-metrics.js";
import { PersistentSinkError, type SinkTarget } from "./targets/sink-target.js";

/** Timings of a worker (tests shorten them). */
export interface SinkTimings {
  /** Wait when caught up (and between lease attempts). */
  pollMs: number;
  /** First retry delay ceiling, doubled per failure up to `retryCapMs`. */
  retryBaseMs: number;
  retryCapMs: number;
}

/** Default timings: poll every second, retries from 500 ms up to 5 minutes. */
export const DEFAULT_SINK_TIMINGS: SinkTimings = { pollMs: 1000, retryBaseMs: 500, retryCapMs: 300_000 };

/** What a worker needs. */
export interface SinkWorkerDeps {
  db: Pick<Database, "em">;
  name: string;
  /** Event types delivered; empty for all. */
  types: readonly string[];
  target: SinkTarget;
  leases: SinkLeases;
  metrics: SinkMetrics;
  logger: Logger;
  timings: SinkTimings;
}

/** A running worker. */
export interface SinkWorker {
  /** Stops after the step in progress; resolves when stopped (target closed, lease released). */
  stop(): Promise<void>;
}

/** Starts delivering the sink `deps.name`. */
export function startSinkWorker(deps: SinkWorkerDeps): SinkWorker {
  const { name, timings, logger } = deps;
  const stopping = new AbortController();
  const backoff = createBackoff({ baseMs: timings.retryBaseMs, capMs: timings.retryCapMs, stableMs: Infinity });
  const pause = (ms: number) => sleep(ms, undefined, { signal: stopping.signal }).catch(() => undefined);

  // One step: false when the sink no longer exists.
  const step = async (): Promise<boolean> => {
    if (!deps.leases.holds(name) && !(await deps.leases.tryAcquire(name))) {
      await pause(timings.pollMs);
      return true;
    }
    const em = deps.db.em();
    const cursor = await readCursor(em, name);
    if (cursor === undefined) return false;
    const batch = await readFeed(em, cursor, deps.types, deps.target.batchSize);
    const oldest = batch.entries[0]?.time.getTime();
    deps.metrics.lag(name, batch.head - cursor.seq, oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest) / 1000));
    const entries = batch.entries.filter((entry) => addressedTo(entry, name));
    if (entries.length > 0) {
      try {
        await deps.target.deliver(entries.map(sinkEvent));
      } catch (error) {
        deps.metrics.failed(name);
        const persistent = error instanceof PersistentSinkError;
        const delay = persistent ? timings.retryCapMs : backoff.next();
        logger[persistent ? "error" : "warn"]({ sink: name, err: error, retryInMs: delay, seq: entries[0]!.seq }, "audit sink delivery failed");
        await pause(delay);
        return true;
      }
      backoff.streamEnded(Infinity);
      deps.metrics.delivered(name, entries.length);
    }
    const moved = batch.nextCursor.seq > cursor.seq || (batch.nextCursor.seq === cursor.seq && batch.nextCursor.partial > cursor.partial);
    if (moved && !(await advanceCursor(deps.db.em(), name, batch.nextCursor))) return false;
    if (batch.nextCursor.seq >= batch.head) {
      deps.metrics.lag(name, 0, 0);
      await pause(timings.pollMs);
    }
    return true;
  };

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      try {
        if (!(await step())) break;
      } catch (error) {
        // The database, most likely: wait and read again from the stored cursor.
        const delay = backoff.next();
        logger.warn({ sink: name, err: error, retryInMs: delay }, "audit sink step failed");
        await pause(delay);
      }
    }
  })();

  return {
    async stop() {
      stopping.abort();
      // Closing the target first cuts a delivery in flight short (it is retried by the next holder).
      await deps.target.close().catch(() => undefined);
      await loop;
      await deps.leases.release(name).catch(() => undefined);
      deps.metrics.forget(name);
    },
  };
}

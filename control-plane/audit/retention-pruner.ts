// Retention: sessions (exchange rows) older than their connection's retention are deleted, while
// the audit chain stays verifiable. The chain's entries are kept (they hold ids and digests, no
// prompt or response); a checkpoint of the head is signed before anything is deleted, and every
// deletion appends a retention entry naming the connection and the cutoff in the same
// transaction, so verify tells a pruned session from a deleted one. One replica prunes at a time
// (a try-lock: the others skip that round).
import type { Logger } from "pino";
import type { Database } from "../storage/database.js";
import { appendAuditEvents } from "./audit-log.js";
import { writeCheckpoint } from "./checkpointer.js";
import { pruneEvent } from "./retention-events.js";

/** Default: prune once an hour. */
export const DEFAULT_PRUNE_INTERVAL_MS = 3_600_000;
// Arbitrary constant naming the advisory lock that keeps two replicas from pruning at once.
const PRUNE_LOCK = 7_300_012;
// Rows per deleting transaction: short transactions, short waits for the append lock.
const DELETE_BATCH = 5000;

/** What one round deleted, per connection. */
export interface PruneResult {
  connection: string;
  startedBefore: Date;
  deleted: number;
}

/** Prunes every connection with a retention once; undefined when another replica is pruning. */
export async function pruneExpiredSessions(db: Database, now = new Date()): Promise<PruneResult[] | undefined> {
  const connections = await db.em().execute<{ name: string; retention_seconds: number }[]>(
    "select name, retention_seconds from connection where retention_seconds > 0 order by name",
  );
  if (connections.length === 0) return [];
  // Signed before anything is deleted: the head as it stood, pruned sessions included.
  await writeCheckpoint(db);
  const results: PruneResult[] = [];
  for (const { name, retention_seconds: seconds } of connections) {
    // Millisecond-exact: the session entries' startedAt is compared with it at the same precision.
    const startedBefore = new Date(now.getTime() - Number(seconds) * 1000);
    let deleted = 0;
    for (;;) {
      const batch = await db.transaction(async (tx) => {
        const [lock] = await tx.execute<{ locked: boolean }[]>("select pg_try_advisory_xact_lock(?) as locked", [PRUNE_LOCK]);
        if (!lock?.locked) return undefined;
        const [row] = await tx.execute<{ n: number }[]>(
          `with gone as (delete from exchange where id in (
             select id from exchange where connection = ? and started_at < ? limit ${DELETE_BATCH}) returning 1)
           select count(*)::int as n from gone`,
          [name, startedBefore.toISOString()],
        );
        const n = row?.n ?? 0;
        if (n > 0) await appendAuditEvents(tx, [pruneEvent(name, startedBefore, n)]);
        return n;
      });
      if (batch === undefined) return undefined;
      deleted += batch;
      if (batch < DELETE_BATCH) break;
    }
    results.push({ connection: name, startedBefore, deleted });
  }
  return results;
}

/** A running pruner. */
export interface RetentionPruner {
  close(): Promise<void>;
}

/** Prunes every `intervalMs` (first round after one interval). */
export function startRetentionPruner(options: { db: Database; logger: Logger; intervalMs?: number }): RetentionPruner {
  const { db, logger } = options;
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    running ??= pruneExpiredSessions(db)
      .then((results) => {
        const deleted = results?.filter((result) => result.deleted > 0);
        if (deleted && deleted.length > 0) logger.info({ pruned: deleted }, "sessions past their connection's retention deleted");
      })
      .catch((error: unknown) => logger.warn({ err: error }, "retention pruning failed; retrying next round"))
      .finally(() => { running = undefined; });
  }, options.intervalMs ?? DEFAULT_PRUNE_INTERVAL_MS);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      await running;
    },
  };
}

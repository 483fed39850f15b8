// Signs checkpoints of the chain head: when `everyEntries` events were appended since the last
// checkpoint (each session counts, also when a 'sessions' entry lists many: the tail that can be
// cut without trace stays as short as with one entry per session), or `everyMs` passed with at
// least one new entry. Any replica may sign; two signing
// the same head write one row (the seq is the key). Signing happens outside the append lock, so
// ingest never waits for it; it holds the checkpoint key's lock shared, so it always signs with the
// current key and never with one a rotation on another replica retires meanwhile.
import type { EntityManager } from "@mikro-orm/sql";
import type { Logger } from "pino";
import type { Database } from "../storage/database.js";
import { chainHead } from "./audit-log.js";
import { AUDIT_KEY_LOCK, type AuditKey, currentAuditKey, ensureAuditKey } from "./audit-keys.js";
import { latestCheckpoint } from "./audit-store.js";
import { type CheckpointRecord, signCheckpoint } from "./checkpoint-token.js";

/** Default: a checkpoint at least every 10,000 events (sessions, admin actions, …). */
export const DEFAULT_CHECKPOINT_ENTRIES = 10_000;
/** Default: a checkpoint at least every 60 s while entries keep coming. */
export const DEFAULT_CHECKPOINT_MS = 60_000;
const POLL_MS = 1000;

/** Signs a checkpoint of the current head with the current key unless the newest checkpoint already covers it. */
export async function writeCheckpoint(db: Database): Promise<CheckpointRecord | undefined> {
  await ensureAuditKey(db);
  return db.em().transactional(async (tx) => {
    const em = tx as EntityManager;
    await em.execute("select pg_advisory_xact_lock_shared(?)", [AUDIT_KEY_LOCK]);
    const [key, head, last] = [await currentAuditKey(em), await chainHead(em), await latestCheckpoint(em)];
    if (!key || head.seq === 0 || (last && last.seq >= head.seq)) return undefined;
    return storeCheckpoint(em, head, key);
  });
}

/** Signs the chain head `head` with `key` and stores the checkpoint (one row per seq). */
export async function storeCheckpoint(em: EntityManager, head: { seq: number; hash: string }, key: AuditKey): Promise<CheckpointRecord> {
  const claims = { seq: head.seq, hash: head.hash, count: head.seq, time: new Date().toISOString() };
  const jws = await signCheckpoint(claims, key.kid, key.privateJwk);
  await em.execute(
    `insert into audit_checkpoint (seq, hash, count, time, kid, jws) values (?, ?, ?, ?, ?, ?)
     on conflict (seq) do nothing`,
    [claims.seq, claims.hash, claims.count, claims.time, key.kid, jws],
  );
  return { ...claims, kid: key.kid, jws };
}

/** Events in the entries after `seq` (a 'sessions' entry counts its sessions), counted up to `enough`. */
async function eventsAfter(em: EntityManager, seq: number, enough: number): Promise<number> {
  // Past `enough` entries the answer is "enough" whatever they hold: no longer range is read.
  const rows = await em.execute<{ events: string | number | null }[]>(
    `select sum(case when type = 'sessions' then jsonb_array_length(payload->'sessions') else 1 end) as events
     from audit_log where seq > ? and seq <= ?`,
    [seq, seq + enough],
  );
  return Number(rows[0]?.events ?? 0);
}

/** How often to checkpoint. */
export interface CheckpointerOptions {
  db: Database;
  logger: Logger;
  everyEntries?: number;
  everyMs?: number;
}

/** A running checkpointer; `close` stops it after signing a last checkpoint of what is there. */
export interface Checkpointer {
  close(): Promise<void>;
}

/** Starts checkpointing in the background (the key is created first if there is none). */
export async function startCheckpointer(options: CheckpointerOptions): Promise<Checkpointer> {
  const { db, logger } = options;
  const everyEntries = options.everyEntries ?? DEFAULT_CHECKPOINT_ENTRIES;
  const everyMs = options.everyMs ?? DEFAULT_CHECKPOINT_MS;
  await ensureAuditKey(db);
  // Monotonic time: a wall clock stepped back must not hold the next checkpoint off by the step.
  let lastAt = performance.now();
  let running: Promise<void> | undefined;
  const tick = async () => {
    const em = db.em();
    const [head, last] = await Promise.all([chainHead(em), latestCheckpoint(em)]);
    const covered = last?.seq ?? 0;
    if (head.seq > covered && (performance.now() - lastAt >= everyMs || await eventsAfter(em, covered, everyEntries) >= everyEntries)) {
      await writeCheckpoint(db);
      lastAt = performance.now();
    }
  };
  const timer = setInterval(() => {
    running ??= tick()
      .catch((error: unknown) => logger.warn({ err: error }, "audit checkpoint failed; retrying"))
      .finally(() => { running = undefined; });
  }, Math.min(POLL_MS, everyMs));
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      await running;
      await writeCheckpoint(db).catch((error: unknown) => logger.warn({ err: error }, "last audit checkpoint failed"));
    },
  };
}

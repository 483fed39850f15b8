// Signs checkpoints of the chain head: when `everyEntries` entries were appended since the last
// checkpoint, or `everyMs` passed with at least one new entry. Any replica may sign; two signing
// the same head write one row (the seq is the key). Signing happens outside the append lock, so
// ingest never waits for it.
import type { Logger } from "pino";
import type { Database } from "../storage/database.js";
import { chainHead } from "./audit-log.js";
import { type AuditKey, ensureAuditKey } from "./audit-keys.js";
import { latestCheckpoint } from "./audit-store.js";
import { type CheckpointRecord, signCheckpoint } from "./checkpoint-token.js";

/** Default: a checkpoint at least every 10,000 entries. */
export const DEFAULT_CHECKPOINT_ENTRIES = 10_000;
/** Default: a checkpoint at least every 60 s while entries keep coming. */
export const DEFAULT_CHECKPOINT_MS = 60_000;
const POLL_MS = 1000;

/** Signs a checkpoint of the current head unless the newest checkpoint already covers it. */
export async function writeCheckpoint(db: Database, key?: AuditKey): Promise<CheckpointRecord | undefined> {
  const signer = key ?? await ensureAuditKey(db);
  const em = db.em();
  const head = await chainHead(em);
  const last = await latestCheckpoint(em);
  if (head.seq === 0 || (last && last.seq >= head.seq)) return undefined;
  const claims = { seq: head.seq, hash: head.hash, count: head.seq, time: new Date().toISOString() };
  const jws = await signCheckpoint(claims, signer.kid, signer.privateJwk);
  await em.execute(
    `insert into audit_checkpoint (seq, hash, count, time, kid, jws) values (?, ?, ?, ?, ?, ?)
     on conflict (seq) do nothing`,
    [claims.seq, claims.hash, claims.count, claims.time, signer.kid, jws],
  );
  return { ...claims, kid: signer.kid, jws };
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
  const key = await ensureAuditKey(db);
  let lastAt = Date.now();
  let running: Promise<void> | undefined;
  const tick = async () => {
    const em = db.em();
    const [head, last] = await Promise.all([chainHead(em), latestCheckpoint(em)]);
    const covered = last?.seq ?? 0;
    if (head.seq - covered >= everyEntries || (head.seq > covered && Date.now() - lastAt >= everyMs)) {
      await writeCheckpoint(db, key);
      lastAt = Date.now();
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
      await writeCheckpoint(db, key).catch((error: unknown) => logger.warn({ err: error }, "last audit checkpoint failed"));
    },
  };
}

// Appends events to the one audit chain of the deployment. Appends from every replica are
// serialised by a PostgreSQL advisory lock held to the end of the caller's transaction: under it
// the head is read, the batch is hashed and inserted with multi-row INSERTs, so a whole batch pays
// for one lock and the chain stays one line however many replicas write.
import type { EntityManager } from "@mikro-orm/sql";
import { jsonRoundTrip } from "./canonical-json.js";
import { type AuditEntry, type AuditEventType, entryHash, GENESIS_HASH } from "./audit-entry.js";

export type { AuditEventType } from "./audit-entry.js";

/** One event to append. `time` defaults to now; it is kept to the millisecond. */
export interface AuditEventInput {
  type: AuditEventType;
  subject: string;
  payload: Record<string, unknown>;
  time?: Date;
}

// Arbitrary constant naming the advisory lock that serialises appends to the chain.
export const AUDIT_APPEND_LOCK = 7_300_008;
// 7 parameters a row: 1,000 rows stay far below PostgreSQL's 65,535 parameters.
const ROWS_PER_STATEMENT = 1000;
const COLUMNS = "seq, time, type, subject, payload, prev_hash, hash";

/** The last entry's seq and hash; seq 0 and the genesis hash when the log is empty. */
export async function chainHead(em: EntityManager): Promise<{ seq: number; hash: string }> {
  const rows = await em.execute<{ seq: string | number; hash: string }[]>(
    "select seq, hash from audit_log order by seq desc limit 1",
  );
  return rows[0] ? { seq: Number(rows[0].seq), hash: rows[0].hash } : { seq: 0, hash: GENESIS_HASH };
}

/**
 * Appends events to the chain inside the caller's transaction (MikroORM EntityManager, as in
 * control-plane/storage/*), so they commit with the change they describe. Holds the append lock
 * until that transaction ends: keep the work after this call short.
 */
export async function appendAuditEvents(tx: EntityManager, events: readonly AuditEventInput[]): Promise<void> {
  if (events.length === 0) return;
  await tx.execute("select pg_advisory_xact_lock(?)", [AUDIT_APPEND_LOCK]);
  let { seq, hash } = await chainHead(tx);
  const entries: AuditEntry[] = events.map((event) => {
    seq += 1;
    const unhashed = {
      seq,
      time: (event.time ?? new Date()).toISOString(),
      type: event.type,
      subject: event.subject,
      // What jsonb will give back: hashing anything else would fail verification later.
      payload: jsonRoundTrip(event.payload) as AuditEntry["payload"],
      prev_hash: hash,
    };
    hash = entryHash(unhashed);
    return { ...unhashed, hash };
  });
  for (let start = 0; start < entries.length; start += ROWS_PER_STATEMENT) {
    const chunk = entries.slice(start, start + ROWS_PER_STATEMENT);
    await tx.execute(
      `insert into audit_log (${COLUMNS}) values ${chunk.map(() => "(?, ?, ?, ?, ?::jsonb, ?, ?)").join(", ")}`,
      chunk.flatMap((entry) => [
        entry.seq, entry.time, entry.type, entry.subject, JSON.stringify(entry.payload), entry.prev_hash, entry.hash,
      ]),
    );
  }
}

// Appends events to the one audit chain of the deployment. Appends from every replica are
// serialised by a PostgreSQL advisory lock held to the end of the caller's transaction: under it
// the head is read, the batch is hashed and inserted (one statement per 1,000 entries, each column a
// bound array parameter expanded by `unnest`), so a whole batch pays
// for one lock and the chain stays one line however many replicas write.
import type { EntityManager } from "@mikro-orm/sql";
import { boundQuery, unnestSql } from "../storage/bound-query.js";
import type { JsonValue } from "./canonical-json.js";
import { type AuditEntry, type AuditEventType, entryHash, GENESIS_HASH, textHash } from "./audit-entry.js";
import { canonicalEnvelope, directPayload } from "./entry-canonical.js";

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
// Entries per INSERT statement.
const ROWS_PER_STATEMENT = 1000;
const INSERT_SQL = `insert into audit_log (seq, time, type, subject, payload, prev_hash, hash)
  select * from ${unnestSql(["bigint", "timestamptz", "text", "text", "jsonb", "text", "text"])}`;

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
  await boundQuery(tx, "select pg_advisory_xact_lock($1)", [AUDIT_APPEND_LOCK]);
  let { seq, hash } = await chainHead(tx);
  const entries: (AuditEntry & { payloadText: string })[] = events.map((event) => {
    seq += 1;
    // Session payloads (strings and a number only) are their own JCS text, which is also what the
    // jsonb column is sent: written once, hashed as written.
    const direct = directPayload(event.type, event.payload as AuditEntry["payload"]);
    const payloadText = direct ?? JSON.stringify(event.payload);
    const unhashed = {
      seq,
      time: (event.time ?? new Date()).toISOString(),
      type: event.type,
      subject: event.subject,
      // What jsonb will give back: hashing anything else would fail verification later.
      payload: direct === undefined ? JSON.parse(payloadText) as { [key: string]: JsonValue } : event.payload as AuditEntry["payload"],
      prev_hash: hash,
    };
    hash = direct === undefined ? entryHash(unhashed) : textHash(canonicalEnvelope(unhashed, direct));
    return { ...unhashed, hash, payloadText };
  });
  for (let start = 0; start < entries.length; start += ROWS_PER_STATEMENT) {
    const chunk = entries.slice(start, start + ROWS_PER_STATEMENT);
    await boundQuery(tx, INSERT_SQL, [
      chunk.map((entry) => entry.seq), chunk.map((entry) => entry.time), chunk.map((entry) => entry.type),
      chunk.map((entry) => entry.subject), chunk.map((entry) => entry.payloadText),
      chunk.map((entry) => entry.prev_hash), chunk.map((entry) => entry.hash),
    ]);
  }
}

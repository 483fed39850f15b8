// The audit entry a retention prune leaves: which connection's sessions, started before when, were
// deleted. Verification accepts a missing exchange row only when such an entry follows its session
// entry in the chain (session-digests.ts).
import type { EntityManager } from "@mikro-orm/sql";
import type { AuditEventInput } from "./audit-log.js";

/** The `subject` of retention entries. */
export const RETENTION_SUBJECT = "palisade:retention";
const ACTION = "retention-prune";

/** One prune, as its audit entry states it. */
export interface RetentionPrune {
  seq: number;
  connection: string;
  /** Sessions whose start is strictly earlier were deleted; RFC 3339 UTC, exact millisecond. */
  startedBefore: string;
}

/** The audit event of pruning `sessions` sessions of `connection` started before `startedBefore`. */
export function pruneEvent(connection: string, startedBefore: Date, sessions: number): AuditEventInput {
  return {
    type: "admin",
    subject: RETENTION_SUBJECT,
    payload: { action: ACTION, connection, startedBefore: startedBefore.toISOString(), sessions },
  };
}

/** Every prune recorded in the chain, in seq order. */
export async function readPrunes(em: EntityManager): Promise<RetentionPrune[]> {
  const rows = await em.execute<{ seq: string | number; connection: string; started_before: string }[]>(
    `select seq, payload->>'connection' as connection, payload->>'startedBefore' as started_before
     from audit_log where type = 'admin' and subject = ? and payload->>'action' = ? order by seq`,
    [RETENTION_SUBJECT, ACTION],
  );
  return rows.map((row) => ({ seq: Number(row.seq), connection: row.connection, startedBefore: row.started_before }));
}

// The 'session' audit event of a committed exchange: appended in the exchange's own transaction,
// it names the session and carries the digest of the stored row (exchange-digest.ts).
import type { AuditEventInput } from "./audit-log.js";
import { EXCHANGE_DIGEST_VERSION, exchangeDigestSql } from "./exchange-digest.js";

/** What the exchange insert returns for each row it really inserted. */
export interface InsertedExchange {
  id: string;
  subject: string | null;
  connection: string;
  started_at: string;
  digest: string;
}

/** The RETURNING list of the exchange insert that yields InsertedExchange rows. */
export const SESSION_EVENT_COLUMNS = `id, subject, connection,
  to_char(started_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as started_at, ${exchangeDigestSql()} as digest`;

/** The payload of a session event. */
export interface SessionEventPayload {
  session: string;
  connection: string;
  /** When the exchange started, RFC 3339 UTC truncated to the millisecond (retention compares it). */
  startedAt: string;
  /** Hex SHA-256 of the stored row under digest version `digestVersion`. */
  digest: string;
  digestVersion: number;
}

/** The session event of one inserted exchange row, at commit time `time`. */
export function sessionEvent(row: InsertedExchange, time: Date): AuditEventInput {
  const payload: SessionEventPayload = {
    session: row.id, connection: row.connection, startedAt: row.started_at, digest: row.digest, digestVersion: EXCHANGE_DIGEST_VERSION,
  };
  return { type: "session", subject: row.subject ?? "", time, payload: { ...payload } };
}

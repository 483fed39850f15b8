// 'session' audit entries as the control plane wrote them before 'sessions' entries (one per
// session), for tests that build an older chain: it must keep verifying, indexing and delivering.
import type { AuditEventInput } from "../../control-plane/audit/audit-log.js";
import type { InsertedExchange, SessionEventPayload } from "../../control-plane/audit/session-events.js";
import { EXCHANGE_DIGEST_VERSION } from "../../control-plane/audit/exchange-digest.js";

/** The 'session' entry of one inserted row, at commit time `time`. */
export function legacySessionEvent(row: InsertedExchange, time: Date): AuditEventInput {
  const payload: SessionEventPayload = {
    session: row.id, connection: row.connection, startedAt: row.started_at, digest: row.digest, digestVersion: EXCHANGE_DIGEST_VERSION,
  };
  return { type: "session", subject: row.subject ?? "", time, payload: { ...payload } };
}

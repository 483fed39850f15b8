// The chain entries of committed exchanges. Each commit appends, in its own transaction, one
// 'sessions' entry per up to 1,000 of the rows it inserted, listing for each its id, connection,
// start, caller and the digest of the stored row (exchange-digest.ts) in commit order. Chains
// written before hold one 'session' entry per row instead; both are read here for verification.
import type { AuditEntry } from "./entry-shape.js";
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

/** What the exchange insert returns of InsertedExchange apart from the digest. */
export const SESSION_FIELD_COLUMNS = `id, subject, connection,
  to_char(started_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as started_at`;

/** The RETURNING list of the exchange insert that yields InsertedExchange rows. */
export const SESSION_EVENT_COLUMNS = `${SESSION_FIELD_COLUMNS}, ${exchangeDigestSql()} as digest`;

/** What each session of a 'sessions' entry lists, in this order (the payload's `fields`). */
export const SESSIONS_FIELDS = ["session", "connection", "startedAt", "subject", "digest"] as const;

/** The payload of a 'sessions' entry. */
export interface SessionsPayload {
  /** The exchange digest version of every `digest` in the entry. */
  digestVersion: number;
  /** SESSIONS_FIELDS: how to read each element of `sessions`. */
  fields: string[];
  /** [session id, connection, started at (RFC 3339 UTC, ms), caller subject ("" when none), row digest]. */
  sessions: string[][];
}

/** The payload of a 'session' entry (one per session, as written before 'sessions'). */
export interface SessionEventPayload {
  session: string;
  connection: string;
  /** When the exchange started, RFC 3339 UTC truncated to the millisecond (retention compares it). */
  startedAt: string;
  /** Hex SHA-256 of the stored row under digest version `digestVersion`. */
  digest: string;
  digestVersion: number;
}

// Sessions per entry: ~200 bytes each, so an entry stays well under a megabyte.
const SESSIONS_PER_ENTRY = 1000;

/** The 'sessions' entries of the rows one commit inserted (in that order), at commit time `time`. */
export function sessionsEvents(rows: readonly InsertedExchange[], time: Date): AuditEventInput[] {
  const events: AuditEventInput[] = [];
  for (let start = 0; start < rows.length; start += SESSIONS_PER_ENTRY) {
    const payload: SessionsPayload = {
      digestVersion: EXCHANGE_DIGEST_VERSION,
      fields: [...SESSIONS_FIELDS],
      sessions: rows.slice(start, start + SESSIONS_PER_ENTRY).map((row) => [row.id, row.connection, row.started_at, row.subject ?? "", row.digest]),
    };
    events.push({ type: "sessions", subject: "", time, payload: { ...payload } });
  }
  return events;
}

/** One session an entry names: where (seq and, in a 'sessions' entry, its 1-based position) and what. */
export interface SessionRef {
  seq: number;
  index: number;
  session: string;
  connection: string;
  startedAt: string;
  subject: string;
  digest: string;
  digestVersion: number;
}

/**
 * The sessions `entry` names (none for entries of other types), or what makes it unreadable — an
 * entry whose hash checks but whose payload does not have the shape its type promises.
 */
export function entrySessions(entry: AuditEntry): SessionRef[] | { problem: string } {
  const p = entry.payload;
  if (entry.type === "session") {
    if (typeof p.session !== "string" || typeof p.digest !== "string") return { problem: `entry ${entry.seq}: a session entry without session or digest` };
    return [{
      seq: entry.seq, index: 0, session: p.session, connection: String(p.connection), startedAt: String(p.startedAt),
      subject: entry.subject, digest: p.digest, digestVersion: typeof p.digestVersion === "number" ? p.digestVersion : 1,
    }];
  }
  if (entry.type !== "sessions") return [];
  const fields = Array.isArray(p.fields) ? p.fields : [];
  if (typeof p.digestVersion !== "number" || fields.join() !== SESSIONS_FIELDS.join() || !Array.isArray(p.sessions)) {
    return { problem: `entry ${entry.seq}: a sessions entry without digestVersion, the fields ${SESSIONS_FIELDS.join(", ")} or sessions` };
  }
  const refs: SessionRef[] = [];
  for (const [i, item] of p.sessions.entries()) {
    if (!Array.isArray(item) || item.length !== SESSIONS_FIELDS.length || !item.every((value) => typeof value === "string")) {
      return { problem: `entry ${entry.seq}: session ${i + 1} is not ${SESSIONS_FIELDS.length} strings` };
    }
    const [session, connection, startedAt, subject, digest] = item as string[];
    refs.push({ seq: entry.seq, index: i + 1, session: session!, connection: connection!, startedAt: startedAt!, subject: subject!, digest: digest!, digestVersion: p.digestVersion });
  }
  return refs;
}

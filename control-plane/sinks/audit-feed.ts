// What sinks read: audit_log entries after a cursor, in seq order, one feed entry per session
// (a 'sessions' entry, which lists every session of one commit, is read as one per session, in
// its order), session entries joined with the metadata of their exchange row (never its bodies),
// and each sink's cursor — an entry's seq, and how many sessions of the next entry were delivered
// (a sink's batch may end inside a 'sessions' entry).
//
// audit_log seqs are assigned under an advisory lock held until the appending transaction commits
// (audit/audit-log.ts), so every seq at or below the highest committed one is itself committed:
// reading `seq > cursor and seq <= head` never skips an entry that commits later.
import type { EntityManager } from "@mikro-orm/sql";
import { SESSIONS_FIELDS } from "../audit/session-events.js";

/**
 * One event to deliver; `exchange` is set for sessions whose row remains. A session listed in a
 * 'sessions' entry has that entry's seq, time and hashes, its position there as `index` (from 1),
 * type `session`, its own subject and the payload of a 'session' entry.
 */
export interface FeedEntry {
  seq: number;
  index?: number;
  time: Date;
  type: string;
  subject: string;
  payload: Record<string, unknown>;
  hash: string;
  prevHash: string;
  exchange?: ExchangeMetadata;
}

/** Where a sink is: every entry up to `seq` delivered, and the first `partial` sessions of entry seq + 1. */
export interface FeedCursor {
  seq: number;
  partial: number;
}

/** The metadata columns of a session's exchange row (no request or response body). */
export interface ExchangeMetadata {
  agent: string; method: string; path: string; model: string; stream: boolean; status: number;
  verdict: number; reason: string; policy: string; email: string | null; groups: string[];
  issuer: string | null; promptTokens: number | null; completionTokens: number | null;
  totalTokens: number | null; durationMs: number | null; error: string;
  /** The tokens are the agent's estimate (the provider never reported the usage whole). */
  usageEstimated: boolean;
}

/** A batch: the entries to deliver, and where the cursor goes once they are delivered. */
export interface FeedBatch {
  entries: FeedEntry[];
  /** The cursor to store after delivering `entries` (past skipped event types too). */
  nextCursor: FeedCursor;
  /** The highest committed seq when the batch was read. */
  head: number;
}

type Numeric = string | number;
interface Row {
  seq: Numeric; time: Date | string; type: string; subject: string; payload: unknown; hash: string; prev_hash: string;
  digest_version: Numeric | null; item: unknown; ord: Numeric | null; count: Numeric | null;
  e_id: string | null; agent: string; method: string; path: string; model: string; stream: boolean; status: number;
  verdict: number; reason: string; policy: string; email: string | null; groups: unknown; issuer: string | null;
  prompt_tokens: Numeric | null; completion_tokens: Numeric | null; total_tokens: Numeric | null;
  duration_ns: Numeric | null; error: string; usage_estimated: boolean | null;
}

const num = (value: Numeric | null): number | null => (value === null ? null : Number(value));
const json = (value: unknown): unknown => (typeof value === "string" ? JSON.parse(value) : value);

// A session of a 'sessions' entry as the 'session' entry of old would have said it.
function listedSession(row: Row): Pick<FeedEntry, "type" | "subject" | "payload" | "index"> {
  const item = (json(row.item) ?? []) as unknown[];
  const at = (field: (typeof SESSIONS_FIELDS)[number]) => String(item[SESSIONS_FIELDS.indexOf(field)] ?? "");
  return {
    type: "session",
    index: Number(row.ord),
    subject: at("subject"),
    payload: { session: at("session"), connection: at("connection"), startedAt: at("startedAt"), digest: at("digest"), digestVersion: Number(row.digest_version) },
  };
}

function toEntry(row: Row): FeedEntry {
  const entry: FeedEntry = {
    seq: Number(row.seq), time: new Date(row.time), type: row.type, subject: row.subject,
    payload: (json(row.payload) ?? {}) as Record<string, unknown>, hash: row.hash, prevHash: row.prev_hash,
    ...(row.type === "sessions" ? listedSession(row) : {}),
  };
  if (row.e_id !== null) {
    const durationNs = num(row.duration_ns);
    entry.exchange = {
      agent: row.agent, method: row.method, path: row.path, model: row.model, stream: row.stream,
      status: row.status, verdict: row.verdict, reason: row.reason, policy: row.policy, email: row.email,
      groups: (json(row.groups) ?? []) as string[], issuer: row.issuer, promptTokens: num(row.prompt_tokens),
      completionTokens: num(row.completion_tokens), totalTokens: num(row.total_tokens),
      durationMs: durationNs === null ? null : durationNs / 1e6, error: row.error, usageEstimated: row.usage_estimated === true,
    };
  }
  return entry;
}

/** The highest committed seq, 0 for an empty log. */
export async function auditHead(em: EntityManager): Promise<number> {
  const rows = await em.execute<{ head: Numeric | null }[]>("select max(seq) as head from audit_log");
  return Number(rows[0]?.head ?? 0);
}

/**
 * Up to `limit` events after `cursor` of the given types (all when empty; `session` covers both
 * kinds of session entries), oldest first.
 */
export async function readFeed(em: EntityManager, cursor: FeedCursor, types: readonly string[], limit: number): Promise<FeedBatch> {
  const head = await auditHead(em);
  if (head <= cursor.seq) return { entries: [], nextCursor: { seq: cursor.seq, partial: 0 }, head };
  const entryTypes = types.includes("session") ? [...types, "sessions"] : types;
  const typeFilter = entryTypes.length > 0 ? `and a.type in (${entryTypes.map(() => "?").join(", ")})` : "";
  // A 'sessions' entry's list is expanded once per entry (the window counts it); its payload is not
  // sent back whole with every session.
  const rows = await em.execute<Row[]>(
    `select a.seq, a.time, a.type, a.subject, case when a.type = 'sessions' then null else a.payload end as payload,
       a.hash, a.prev_hash, case when a.type = 'sessions' then a.payload->'digestVersion' end as digest_version,
       s.item, s.ord, s.count,
       e.id as e_id, e.agent, e.method, e.path, e.model, e.stream, e.status, e.verdict, e.reason, e.policy,
       e.email, e.groups, e.issuer, e.prompt_tokens, e.completion_tokens, e.total_tokens, e.duration_ns, e.error, e.usage_estimated
     from audit_log a
     left join lateral (
       select x.item, x.ord, count(*) over () as count
       from jsonb_array_elements(case when a.type = 'sessions' then a.payload->'sessions' end) with ordinality as x(item, ord)
     ) s on true
     left join exchange e on e.id = case a.type when 'session' then a.payload->>'session' when 'sessions' then s.item->>0 end
     where a.seq > ? and a.seq <= ? and (a.seq > ? or coalesce(s.ord, 1) > ?) ${typeFilter}
     order by a.seq, s.ord limit ${Math.trunc(limit)}`,
    [cursor.seq, head, cursor.seq + 1, cursor.partial, ...entryTypes],
  );
  const entries = rows.map(toEntry);
  return { entries, nextCursor: nextCursor(rows, limit, head), head };
}

function nextCursor(rows: readonly Row[], limit: number, head: number): FeedCursor {
  // A short batch saw every matching entry up to the head: the cursor may move there.
  if (rows.length < limit) return { seq: head, partial: 0 };
  const last = rows[rows.length - 1]!;
  const seq = Number(last.seq);
  // Cut inside a 'sessions' entry: the sessions delivered of it.
  if (last.ord !== null && Number(last.ord) < Number(last.count)) return { seq: seq - 1, partial: Number(last.ord) };
  return { seq, partial: 0 };
}

/** The sink's cursor; undefined when the sink (and so its cursor) no longer exists. */
export async function readCursor(em: EntityManager, sink: string): Promise<FeedCursor | undefined> {
  const rows = await em.execute<{ last_seq: Numeric; partial: Numeric }[]>("select last_seq, partial from sink_cursor where sink = ?", [sink]);
  return rows[0] === undefined ? undefined : { seq: Number(rows[0].last_seq), partial: Number(rows[0].partial) };
}

/** Moves the cursor forward to `to` (never back); false when the sink is gone. */
export async function advanceCursor(em: EntityManager, sink: string, to: FeedCursor): Promise<boolean> {
  const rows = await em.execute<{ sink: string }[]>(
    `update sink_cursor set
       last_seq = case when (last_seq, partial) < (?, ?) then ? else last_seq end,
       partial = case when (last_seq, partial) < (?, ?) then ? else partial end,
       updated_at = now()
     where sink = ? returning sink`,
    [to.seq, to.partial, to.seq, to.seq, to.partial, to.partial, sink],
  );
  return rows.length > 0;
}

/** False for an alert addressed to other sinks (its rule's `sinks`); every other entry goes to every sink. */
export function addressedTo(entry: FeedEntry, sink: string): boolean {
  const sinks = entry.type === "alert" ? entry.payload.sinks : undefined;
  return !Array.isArray(sinks) || sinks.length === 0 || sinks.includes(sink);
}

// What sinks read: audit_log entries after a cursor, in seq order, session entries joined with the
// metadata of their exchange row (never its bodies), and each sink's cursor.
//
// audit_log seqs are assigned under an advisory lock held until the appending transaction commits
// (audit/audit-log.ts), so every seq at or below the highest committed one is itself committed:
// reading `seq > cursor and seq <= head` never skips an entry that commits later.
import type { EntityManager } from "@mikro-orm/sql";

/** One audit entry as read for delivery; `exchange` is set for session entries whose row remains. */
export interface FeedEntry {
  seq: number;
  time: Date;
  type: string;
  subject: string;
  payload: Record<string, unknown>;
  hash: string;
  prevHash: string;
  exchange?: ExchangeMetadata;
}

/** The metadata columns of a session's exchange row (no request or response body). */
export interface ExchangeMetadata {
  agent: string; method: string; path: string; model: string; stream: boolean; status: number;
  verdict: number; reason: string; policy: string; email: string | null; groups: string[];
  issuer: string | null; promptTokens: number | null; completionTokens: number | null;
  totalTokens: number | null; durationMs: number | null; error: string;
}

/** A batch: the entries to deliver, and where the cursor goes once they are delivered. */
export interface FeedBatch {
  entries: FeedEntry[];
  /** The seq to store as the cursor after delivering `entries` (past skipped event types too). */
  nextCursor: number;
  /** The highest committed seq when the batch was read. */
  head: number;
}

type Numeric = string | number;
interface Row {
  seq: Numeric; time: Date | string; type: string; subject: string; payload: unknown; hash: string; prev_hash: string;
  e_id: string | null; agent: string; method: string; path: string; model: string; stream: boolean; status: number;
  verdict: number; reason: string; policy: string; email: string | null; groups: unknown; issuer: string | null;
  prompt_tokens: Numeric | null; completion_tokens: Numeric | null; total_tokens: Numeric | null;
  duration_ns: Numeric | null; error: string;
}

const num = (value: Numeric | null): number | null => (value === null ? null : Number(value));
const json = (value: unknown): unknown => (typeof value === "string" ? JSON.parse(value) : value);

function toEntry(row: Row): FeedEntry {
  const entry: FeedEntry = {
    seq: Number(row.seq), time: new Date(row.time), type: row.type, subject: row.subject,
    payload: (json(row.payload) ?? {}) as Record<string, unknown>, hash: row.hash, prevHash: row.prev_hash,
  };
  if (row.e_id !== null) {
    const durationNs = num(row.duration_ns);
    entry.exchange = {
      agent: row.agent, method: row.method, path: row.path, model: row.model, stream: row.stream,
      status: row.status, verdict: row.verdict, reason: row.reason, policy: row.policy, email: row.email,
      groups: (json(row.groups) ?? []) as string[], issuer: row.issuer, promptTokens: num(row.prompt_tokens),
      completionTokens: num(row.completion_tokens), totalTokens: num(row.total_tokens),
      durationMs: durationNs === null ? null : durationNs / 1e6, error: row.error,
    };
  }
  return entry;
}

/** The highest committed seq, 0 for an empty log. */
export async function auditHead(em: EntityManager): Promise<number> {
  const rows = await em.execute<{ head: Numeric | null }[]>("select max(seq) as head from audit_log");
  return Number(rows[0]?.head ?? 0);
}

/** Up to `limit` entries after `cursor` of the given types (all when empty), oldest first. */
export async function readFeed(em: EntityManager, cursor: number, types: readonly string[], limit: number): Promise<FeedBatch> {
  const head = await auditHead(em);
  if (head <= cursor) return { entries: [], nextCursor: cursor, head };
  const typeFilter = types.length > 0 ? `and a.type in (${types.map(() => "?").join(", ")})` : "";
  const rows = await em.execute<Row[]>(
    `select a.seq, a.time, a.type, a.subject, a.payload, a.hash, a.prev_hash,
       e.id as e_id, e.agent, e.method, e.path, e.model, e.stream, e.status, e.verdict, e.reason, e.policy,
       e.email, e.groups, e.issuer, e.prompt_tokens, e.completion_tokens, e.total_tokens, e.duration_ns, e.error
     from audit_log a
     left join exchange e on a.type = 'session' and e.id = a.payload->>'session'
     where a.seq > ? and a.seq <= ? ${typeFilter}
     order by a.seq limit ${Math.trunc(limit)}`,
    [cursor, head, ...types],
  );
  const entries = rows.map(toEntry);
  // A short batch saw every matching entry up to the head: the cursor may move there.
  const nextCursor = entries.length < limit ? head : entries[entries.length - 1]!.seq;
  return { entries, nextCursor, head };
}

/** The sink's cursor; undefined when the sink (and so its cursor) no longer exists. */
export async function readCursor(em: EntityManager, sink: string): Promise<number | undefined> {
  const rows = await em.execute<{ last_seq: Numeric }[]>("select last_seq from sink_cursor where sink = ?", [sink]);
  return rows[0] === undefined ? undefined : Number(rows[0].last_seq);
}

/** Moves the cursor forward to `seq` (never back); false when the sink is gone. */
export async function advanceCursor(em: EntityManager, sink: string, seq: number): Promise<boolean> {
  const rows = await em.execute<{ sink: string }[]>(
    `update sink_cursor set last_seq = greatest(last_seq, ?), updated_at = now() where sink = ? returning sink`,
    [seq, sink],
  );
  return rows.length > 0;
}

/** False for an alert addressed to other sinks (its rule's `sinks`); every other entry goes to every sink. */
export function addressedTo(entry: FeedEntry, sink: string): boolean {
  const sinks = entry.type === "alert" ? entry.payload.sinks : undefined;
  return !Array.isArray(sinks) || sinks.length === 0 || sinks.includes(sink);
}

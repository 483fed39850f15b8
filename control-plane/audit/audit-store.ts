// Reading the chain and its checkpoints back from the database, in seq order and in pages.
import type { EntityManager } from "@mikro-orm/sql";
import type { JsonValue } from "./canonical-json.js";
import type { AuditEntry, AuditEventType } from "./audit-entry.js";
import type { CheckpointRecord } from "./checkpoint-token.js";

// Milliseconds in UTC, exactly as the appender wrote `time` (and hashed it).
const TIME_TEXT = `to_char(time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const PAGE_SIZE = 2000;

/** A seq range, both ends included; `to` undefined means up to the head. */
export interface SeqRange {
  from: number;
  to?: number;
}

interface EntryRow {
  seq: string | number; time: string; type: AuditEventType; subject: string;
  payload: { [key: string]: JsonValue } | string; prev_hash: string; hash: string;
}

function entryFromRow(row: EntryRow): AuditEntry {
  const payload = typeof row.payload === "string" ? JSON.parse(row.payload) as AuditEntry["payload"] : row.payload;
  return { seq: Number(row.seq), time: row.time, type: row.type, subject: row.subject, payload, prev_hash: row.prev_hash, hash: row.hash };
}

/** The entries of `range` in seq order, `pageSize` at a time (keyset paging, no long transaction). */
export async function* readEntries(em: EntityManager, range: SeqRange, pageSize = PAGE_SIZE): AsyncGenerator<AuditEntry[]> {
  let after = range.from - 1;
  for (;;) {
    const params: unknown[] = range.to === undefined ? [after] : [after, range.to];
    const upTo = range.to === undefined ? "" : "and seq <= ?";
    const rows = await em.execute<EntryRow[]>(
      `select seq, ${TIME_TEXT} as time, type, subject, payload, prev_hash, hash from audit_log
       where seq > ? ${upTo} order by seq limit ${Math.trunc(pageSize)}`,
      params,
    );
    if (rows.length === 0) return;
    const page = rows.map(entryFromRow);
    yield page;
    after = page[page.length - 1]!.seq;
    if (rows.length < pageSize) return;
  }
}

/** The entry at `seq`, or undefined. */
export async function readEntry(em: EntityManager, seq: number): Promise<AuditEntry | undefined> {
  for await (const page of readEntries(em, { from: seq, to: seq })) return page[0];
  return undefined;
}

/** The checkpoints whose seq lies in `range`, in seq order. */
export async function readCheckpoints(em: EntityManager, range: SeqRange): Promise<CheckpointRecord[]> {
  const params: unknown[] = range.to === undefined ? [range.from] : [range.from, range.to];
  const upTo = range.to === undefined ? "" : "and seq <= ?";
  const rows = await em.execute<{ seq: string | number; hash: string; count: string | number; time: string; kid: string; jws: string }[]>(
    `select seq, hash, count, ${TIME_TEXT} as time, kid, jws from audit_checkpoint where seq >= ? ${upTo} order by seq`,
    params,
  );
  return rows.map((row) => ({ seq: Number(row.seq), hash: row.hash, count: Number(row.count), time: row.time, kid: row.kid, jws: row.jws }));
}

/** The latest checkpoint, or undefined before the first. */
export async function latestCheckpoint(em: EntityManager): Promise<CheckpointRecord | undefined> {
  const rows = await em.execute<{ seq: string | number }[]>("select max(seq) as seq from audit_checkpoint");
  const seq = rows[0]?.seq;
  if (seq === null || seq === undefined) return undefined;
  return (await readCheckpoints(em, { from: Number(seq), to: Number(seq) }))[0];
}

/** The seq range of the entries whose time lies in [from, to]; undefined when none does. */
export async function seqRangeForTimes(em: EntityManager, from: Date | undefined, to: Date | undefined): Promise<SeqRange | undefined> {
  const where: string[] = [];
  const params: string[] = [];
  if (from) { where.push("time >= ?"); params.push(from.toISOString()); }
  if (to) { where.push("time <= ?"); params.push(to.toISOString()); }
  const rows = await em.execute<{ first: string | number | null; last: string | number | null }[]>(
    `select min(seq) as first, max(seq) as last from audit_log ${where.length ? `where ${where.join(" and ")}` : ""}`,
    params,
  );
  const row = rows[0];
  if (!row || row.first === null || row.last === null) return undefined;
  return { from: Number(row.first), to: Number(row.last) };
}

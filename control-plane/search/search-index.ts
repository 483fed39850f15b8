// The text index of sessions (table `exchange_search`, migration 0021) and how it is filled: after
// the commit, by following the audit chain from a watermark (`search_index_progress.seq`). Chain
// seqs become visible in order (they are assigned under a lock held to the commit), so every
// session entry at or below the chain's head is committed, and the watermark never passes one
// that commits later. Rows already indexed are skipped, so a session indexed in its own commit
// (when the index was too far behind, see search-indexer.ts) costs the indexer one lookup. After
// an upgrade that changed the vector (migration 0025), stored sessions are re-indexed by id.
import type { EntityManager } from "@mikro-orm/sql";
import { boundQuery } from "../storage/bound-query.js";
import { SEARCH_VECTOR_SQL } from "../storage/migrations/migration-0025-search-decoded-text.js";
import { INDEX_ROUND_SQL, SEARCH_INDEX_LOCK } from "./index-round-sql.js";

export { SEARCH_INDEX_LOCK } from "./index-round-sql.js";

/**
 * Sessions per round by default, counting a 'sessions' entry as the most it may list (its payload
 * is not read to choose the range); each session costs PostgreSQL ~60–100 µs to index here
 * (palisade_search_text and to_tsvector over ~1 KB of bodies, then the GIN insert), so a round is
 * under a second of work.
 * A round is one statement (index-round-sql.ts); it was some ten and ~3 ms of the control plane's
 * CPU (docs/performance.md, issue 13's third and fifth ingest rounds).
 */
export const ROUND_SESSIONS = 8000;
export const SESSIONS_ENTRY_WEIGHT = 1000;

const INSERT_VECTORS = `insert into exchange_search (id, vector)
  select e.id, ${SEARCH_VECTOR_SQL} from exchange e`;

/** How far the index is behind the chain. */
export interface SearchIndexLag {
  /** Audit entries after the watermark (of any type; 0 when caught up). */
  entries: number;
  /** When the oldest entry not yet passed was appended (ms since the epoch); undefined when caught up. */
  oldestMs: number | undefined;
}

/** The index's lag as stored now. */
export async function searchIndexLag(em: EntityManager): Promise<SearchIndexLag> {
  const rows = await em.execute<{ watermark: string | number; head: string | number | null; oldest_ms: string | number | null }[]>(
    `select p.seq as watermark, (select max(seq) from audit_log) as head,
       (select (extract(epoch from a.time) * 1000)::bigint from audit_log a where a.seq = p.seq + 1) as oldest_ms
     from search_index_progress p where p.id = 1`,
  );
  const row = rows[0];
  if (!row) return { entries: 0, oldestMs: undefined };
  const entries = Math.max(0, Number(row.head ?? 0) - Number(row.watermark));
  return { entries, oldestMs: entries > 0 && row!.oldest_ms !== null ? Number(row!.oldest_ms) : undefined };
}

/** Indexes the sessions `ids` inserted by `tx` itself (the commit's own rows). */
export async function indexSessions(tx: EntityManager, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await boundQuery(tx, `${INSERT_VECTORS} where e.id = any($1::text[]) on conflict (id) do nothing`, [ids]);
}

/** Takes the indexing lock for `tx` if no other replica holds it. */
async function indexingLock(tx: EntityManager): Promise<boolean> {
  const [lock] = await tx.execute<{ locked: boolean }[]>("select pg_try_advisory_xact_lock(?) as locked", [SEARCH_INDEX_LOCK]);
  return lock?.locked === true;
}

/** What one round did. */
export interface RoundResult {
  /** False when another replica holds the indexing lock (nothing was done). */
  locked: boolean;
  /** Sessions indexed. */
  indexed: number;
  /** True when entries remain after the new watermark. */
  more: boolean;
}

/** What one indexing round did, and the lag as it stood after it. */
export interface IndexRoundResult extends RoundResult {
  lag: SearchIndexLag;
}

/**
 * One round (autocommit, or in the caller's transaction): under the indexing lock (try: a replica
 * already at it makes this a no-op), indexes the sessions named by the entries after the watermark
 * (about `roundSessions`, a 'sessions' entry weighing `entryWeight`) and moves it; tells the lag
 * after it. One statement (index-round-sql.ts).
 */
export async function indexRound(em: EntityManager, roundSessions = ROUND_SESSIONS, entryWeight = SESSIONS_ENTRY_WEIGHT): Promise<IndexRoundResult> {
  const [row] = await boundQuery<{
    locked: boolean; indexed: number; more: boolean; watermark: string | number | null; head: string | number | null; oldest_ms: string | number | null;
  }>(em, INDEX_ROUND_SQL, [Math.trunc(roundSessions), Math.trunc(entryWeight)]);
  // No watermark row: no lag to tell (as searchIndexLag).
  const entries = row!.watermark === null ? 0 : Math.max(0, Number(row!.head ?? 0) - Number(row!.watermark));
  return {
    locked: row!.locked, indexed: Number(row!.indexed), more: row!.more,
    lag: { entries, oldestMs: entries > 0 && row!.oldest_ms !== null ? Number(row!.oldest_ms) : undefined },
  };
}

/**
 * One round of the re-index migration 0025 asked for, in `tx`: under the indexing lock, the next
 * `roundSessions` sessions by id after the cursor (`search_reindex_progress.after`) get the
 * current vector (an upsert: the old one stays until replaced, so search finds at least what it
 * found before), and the cursor moves past them; the cursor's row goes once a round finds fewer.
 * `more` is false when nothing is left to re-index (no cursor row).
 */
export async function reindexRound(tx: EntityManager, roundSessions = ROUND_SESSIONS): Promise<RoundResult> {
  if (!(await indexingLock(tx))) return { locked: false, indexed: 0, more: false };
  const [progress] = await tx.execute<{ after: string }[]>("select after from search_reindex_progress where id = 1");
  if (!progress) return { locked: true, indexed: 0, more: false };
  const size = Math.trunc(roundSessions);
  const [round] = await tx.execute<{ last: string | null; n: number }[]>(
    `with indexed as (insert into exchange_search (id, vector)
       select e.id, ${SEARCH_VECTOR_SQL} from exchange e where e.id > ? order by e.id limit ${size}
       on conflict (id) do update set vector = excluded.vector returning id)
     select max(id) as last, count(*)::int as n from indexed`,
    [progress.after],
  );
  const n = Number(round?.n ?? 0);
  if (n < size || round?.last == null) {
    await tx.execute("delete from search_reindex_progress where id = 1");
    return { locked: true, indexed: n, more: false };
  }
  await tx.execute("update search_reindex_progress set after = ? where id = 1", [round.last]);
  return { locked: true, indexed: n, more: true };
}

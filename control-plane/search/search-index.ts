// The text index of sessions (table `exchange_search`, migration 0021) and how it is filled: after
// the commit, by following the audit chain from a watermark (`search_index_progress.seq`). Chain
// seqs become visible in order (they are assigned under a lock held to the commit), so every
// session entry at or below the chain's head is committed, and the watermark never passes one
// that commits later. Rows already indexed are skipped, so a session indexed in its own commit
// (when the index was too far behind, see search-indexer.ts) costs the indexer one lookup. After
// an upgrade that changed the vector (migration 0025), stored sessions are re-indexed by id.
import type { EntityManager } from "@mikro-orm/sql";
import { chainHead } from "../audit/audit-log.js";
import { boundQuery } from "../storage/bound-query.js";
import { SEARCH_VECTOR_SQL } from "../storage/migrations/migration-0025-search-decoded-text.js";

/** Arbitrary constant naming the advisory lock held by the replica indexing a round. */
export const SEARCH_INDEX_LOCK = 7_300_016;

/**
 * Sessions per round by default, counting a 'sessions' entry as the most it may list (its payload
 * is not read to choose the range); each session costs PostgreSQL ~60–100 µs to index here
 * (palisade_search_text and to_tsvector over ~1 KB of bodies, then the GIN insert), so a round is
 * under a second of work.
 * A round also costs the control plane ~3 ms of its own (some ten statements), ~1.7 µs per
 * session at 2,000 a round, ~0.4 µs at 8,000 (docs/performance.md, issue 13's third ingest round).
 */
export const ROUND_SESSIONS = 8000;
const SESSIONS_ENTRY_WEIGHT = 1000;

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
  return { entries, oldestMs: entries > 0 && row.oldest_ms !== null ? Number(row.oldest_ms) : undefined };
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

/**
 * One round in `tx`: under the indexing lock (try: a replica already at it makes this a no-op),
 * indexes the sessions named by the entries after the watermark (about `roundSessions`) and moves it.
 */
export async function indexRound(tx: EntityManager, roundSessions = ROUND_SESSIONS): Promise<RoundResult> {
  if (!(await indexingLock(tx))) return { locked: false, indexed: 0, more: false };
  const [progress] = await tx.execute<{ seq: string | number }[]>("select seq from search_index_progress where id = 1");
  const from = Number(progress?.seq ?? 0);
  const head = (await chainHead(tx)).seq;
  if (head <= from) return { locked: true, indexed: 0, more: false };
  const entries = await tx.execute<{ seq: string | number; type: string }[]>(
    `select seq, type from audit_log where seq > ? and seq <= ? and type in ('session', 'sessions') order by seq limit ${Math.trunc(roundSessions)}`,
    [from, head],
  );
  let to = head;
  let budget = roundSessions;
  for (const [i, entry] of entries.entries()) {
    budget -= entry.type === "sessions" ? SESSIONS_ENTRY_WEIGHT : 1;
    if (budget < 0 && i > 0) {
      to = Number(entries[i - 1]!.seq);
      break;
    }
  }
  // A full read may have stopped short of the head: the watermark moves to its last entry.
  if (budget >= 0 && entries.length === Math.trunc(roundSessions)) to = Number(entries.at(-1)!.seq);
  // Counted in the database: the ids of a round are not needed here.
  const [inserted] = entries.length === 0 ? [] : await tx.execute<{ n: number }[]>(
    `with indexed as (${INSERT_VECTORS} join (
       select a.payload->>'session' as id from audit_log a where a.seq > ? and a.seq <= ? and a.type = 'session'
       union all
       select s.item->>0 from audit_log a, jsonb_array_elements(a.payload->'sessions') as s(item)
       where a.seq > ? and a.seq <= ? and a.type = 'sessions'
     ) named on named.id = e.id
     where not exists (select 1 from exchange_search s where s.id = e.id)
     on conflict (id) do nothing returning 1)
     select count(*)::int as n from indexed`,
    [from, to, from, to],
  );
  await tx.execute("update search_index_progress set seq = ? where id = 1", [to]);
  return { locked: true, indexed: Number(inserted?.n ?? 0), more: to < head };
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

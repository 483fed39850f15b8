// One search-indexer round as one top-level statement: the try-lock, the watermark, the chain head,
// the round's range (about `$1` sessions, a 'sessions' entry weighing `$2`, cut before the entry
// that overdraws, never before the first; a full read that fits ends at its last entry), the
// vectors' insert, the watermark's move and the lag after it. It replaced some ten statements and
// a transaction per round (docs/performance.md, issue 13's fifth ingest round).
//
// Its snapshot is taken before the try-lock succeeds, so another replica's round may have committed
// in between: this one then re-reads an older watermark, recomputes vectors that exist already
// (the insert's ON CONFLICT skips them) and moves the watermark to the greater of the two
// (`greatest`, re-evaluated on the newest row version under READ COMMITTED): never backwards.
// Every entry up to the head it saw is committed (seqs are visible in order), with its rows.
// As separate statements inside a PL/pgSQL function (migration 0028) the same insert cost
// PostgreSQL ~15 µs more per session, so the round stays one plain statement.
import { SEARCH_VECTOR_SQL } from "../storage/migrations/migration-0025-search-decoded-text.js";

/** The indexing lock: held by the replica indexing a round (or a re-index round). */
export const SEARCH_INDEX_LOCK = 7_300_016;

/** The round: `$1` sessions, `$2` the weight of a 'sessions' entry; one row (see indexRound). */
export const INDEX_ROUND_SQL = `with
  lock as materialized (select pg_try_advisory_xact_lock(${SEARCH_INDEX_LOCK}) as locked),
  progress as materialized (select (select seq from search_index_progress where id = 1) as seq),
  head as materialized (select coalesce((select seq from audit_log order by seq desc limit 1), 0) as seq),
  entries as materialized (
    select r.seq, row_number() over (order by r.seq) as i,
      sum(case when r.type = 'sessions' then $2::bigint else 1 end) over (order by r.seq) as spent
    from (select a.seq, a.type from audit_log a
      where (select locked from lock) and a.seq > coalesce((select seq from progress), 0)
        and a.seq <= (select seq from head) and a.type in ('session', 'sessions')
      order by a.seq limit $1::bigint) r),
  bounds as materialized (
    select (select count(*) from entries) as n, (select min(i) from entries where spent > $1::bigint) as k),
  round as materialized (
    select l.locked and h.seq > coalesce(p.seq, 0) as moves, h.seq as head, p.seq as watermark,
      coalesce(p.seq, 0) as from_seq,
      case
        when b.k is not null and b.n >= 2 then (select e.seq from entries e where e.i = greatest(b.k - 1, 1))
        when b.k is null and b.n = $1::bigint then (select e.seq from entries e where e.i = b.n)
        else h.seq
      end as upto
    from lock l, head h, progress p, bounds b),
  indexed as (insert into exchange_search (id, vector)
    select e.id, ${SEARCH_VECTOR_SQL} from exchange e join (
      select a.payload->>'session' as id from audit_log a, round r
      where r.moves and a.seq > r.from_seq and a.seq <= r.upto and a.type = 'session'
      union all
      select s.item->>0 from audit_log a, round r, jsonb_array_elements(a.payload->'sessions') as s(item)
      where r.moves and a.seq > r.from_seq and a.seq <= r.upto and a.type = 'sessions'
    ) named on named.id = e.id
    where not exists (select 1 from exchange_search x where x.id = e.id)
    on conflict (id) do nothing returning 1),
  moved as (update search_index_progress p set seq = greatest(p.seq, r.upto) from round r where p.id = 1 and r.moves returning 1)
select l.locked, (select count(*)::int from indexed) as indexed, r.moves and r.upto < r.head as more,
  w.seq as watermark, r.head,
  (select (extract(epoch from a.time) * 1000)::bigint from audit_log a where a.seq = w.seq + 1) as oldest_ms
from lock l, round r, lateral (select case when r.moves then r.upto else r.watermark end as seq) w`;

// One search-indexer round in one statement: `palisade_search_index_round` does in the database
// what search-index.ts did in some ten statements and a transaction of its own (the try-lock, the
// watermark, the head, the round's range, the insert of the vectors, the watermark's move) and
// answers the lag as it stands afterwards, which the indexer read twice more per round. A round
// runs after every local commit, so this was most of the statements per ingest group
// (docs/performance.md, issue 13's fifth ingest round). Same rows, same watermark, same lock.
import { Migration } from "@mikro-orm/migrations";
import { SEARCH_VECTOR_SQL } from "./migration-0025-search-decoded-text.js";

// The indexing lock of search-index.ts (SEARCH_INDEX_LOCK): another replica's round (or a re-index
// round) holding it makes this round a no-op.
const SEARCH_INDEX_LOCK = 7_300_016;

/**
 * The round, in PL/pgSQL: VOLATILE, so each statement takes a fresh snapshot after the lock (under
 * READ COMMITTED, as the separate statements did). `round_sessions` bounds the sessions of a round,
 * a 'sessions' entry counting `sessions_entry_weight`; the vectors are SEARCH_VECTOR_SQL, the
 * expression the in-commit indexing and a tail's match use (a migration changing it replaces this
 * function too). Columns are qualified: the OUT parameters share names with none of them.
 */
export const SEARCH_INDEX_ROUND_FUNCTION = `create or replace function palisade_search_index_round(round_sessions integer, sessions_entry_weight integer)
returns table (locked boolean, indexed integer, more boolean, watermark bigint, head bigint, oldest_ms bigint)
language plpgsql volatile as $fn$
#variable_conflict use_column
declare
  v_locked boolean;
  v_from bigint;
  v_head bigint;
  v_to bigint;
  v_budget bigint := round_sessions;
  v_count integer := 0;
  v_prev bigint;
  v_indexed integer := 0;
  v_more boolean := false;
  r record;
begin
  v_locked := pg_try_advisory_xact_lock(${SEARCH_INDEX_LOCK});
  if v_locked then
    select coalesce((select p.seq from search_index_progress p where p.id = 1), 0) into v_from;
    select coalesce((select a.seq from audit_log a order by a.seq desc limit 1), 0) into v_head;
    if v_head > v_from then
      v_to := v_head;
      -- The round ends before the entry that overdraws the budget (never before the first); a
      -- full read may stop short of the head: the watermark moves to its last entry.
      for r in select a.seq, a.type from audit_log a
          where a.seq > v_from and a.seq <= v_head and a.type in ('session', 'sessions')
          order by a.seq limit round_sessions loop
        v_count := v_count + 1;
        v_budget := v_budget - case when r.type = 'sessions' then sessions_entry_weight else 1 end;
        if v_budget < 0 and v_count > 1 then
          v_to := v_prev;
          exit;
        end if;
        v_prev := r.seq;
      end loop;
      if v_budget >= 0 and v_count = round_sessions then
        v_to := v_prev;
      end if;
      if v_count > 0 then
        insert into exchange_search (id, vector)
          select e.id, ${SEARCH_VECTOR_SQL} from exchange e join (
            select a.payload->>'session' as id from audit_log a where a.seq > v_from and a.seq <= v_to and a.type = 'session'
            union all
            select s.item->>0 from audit_log a, jsonb_array_elements(a.payload->'sessions') as s(item)
            where a.seq > v_from and a.seq <= v_to and a.type = 'sessions'
          ) named on named.id = e.id
          where not exists (select 1 from exchange_search x where x.id = e.id)
          on conflict (id) do nothing;
        get diagnostics v_indexed = row_count;
      end if;
      update search_index_progress set seq = v_to where id = 1;
      v_more := v_to < v_head;
    end if;
  end if;
  -- The lag after the round, read afresh (what searchIndexLag reads).
  select p.seq into v_from from search_index_progress p where p.id = 1;
  return query select v_locked, v_indexed, v_more, v_from, (select max(a.seq) from audit_log a),
    (select (extract(epoch from a.time) * 1000)::bigint from audit_log a where a.seq = v_from + 1);
end
$fn$`;

/** Creates `palisade_search_index_round`. */
export class Migration0028SearchIndexRound extends Migration {
  override name = "0028-search-index-round";

  override up(): void {
    this.addSql(SEARCH_INDEX_ROUND_FUNCTION);
  }

  override down(): void {
    this.addSql("drop function if exists palisade_search_index_round(integer, integer)");
  }
}

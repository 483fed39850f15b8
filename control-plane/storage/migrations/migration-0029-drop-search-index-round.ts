// Drops `palisade_search_index_round` (migration 0028): the round's insert cost PostgreSQL ~15 µs
// more per session run inside the PL/pgSQL function than as a plain statement (1,000 sessions:
// 36-42 ms against 22-27 ms, same plan), more than the statements it saved. The round is one
// plain statement again, sent by the control plane (search/index-round-sql.ts).
// docs/performance.md, issue 13's fifth ingest round.
import { Migration } from "@mikro-orm/migrations";
import { SEARCH_INDEX_ROUND_FUNCTION } from "./migration-0028-search-index-round.js";

/** Drops `palisade_search_index_round`. */
export class Migration0029DropSearchIndexRound extends Migration {
  override name = "0029-drop-search-index-round";

  override up(): void {
    this.addSql("drop function if exists palisade_search_index_round(integer, integer)");
  }

  override down(): void {
    this.addSql(SEARCH_INDEX_ROUND_FUNCTION);
  }
}

// Session text search off the commit path: the full-text vectors move from an expression index on
// `exchange` (computed by every insert) to a table of their own, filled after the commit by the
// search indexer (storage/search-indexer.ts), which follows the audit chain up to a watermark.
import { Migration } from "@mikro-orm/migrations";
import { RAW_SEARCH_VECTOR_SQL } from "./migration-0009-session-search.js";

/** Creates `exchange_search` and `search_index_progress`, fills them, drops the expression index. */
export class Migration0021SearchIndexTable extends Migration {
  override name = "0021-search-index-table";

  override up(): void {
    // One row per indexed session; gone with its exchange row (retention, or a deleted row).
    this.addSql(`create table exchange_search (
      id text primary key references exchange (id) on delete cascade,
      vector tsvector not null)`);
    // The chain's seq up to which every session entry's exchange is indexed (one row).
    this.addSql(`create table search_index_progress (
      id integer primary key check (id = 1),
      seq bigint not null)`);
    // Sessions already stored are indexed here, once, and the watermark set to the head in the
    // same snapshot: a row and its chain entry commit together, so none is missed or counted twice.
    this.addSql(`insert into exchange_search (id, vector) select id, ${RAW_SEARCH_VECTOR_SQL} from exchange`);
    this.addSql("insert into search_index_progress (id, seq) select 1, coalesce(max(seq), 0) from audit_log");
    this.addSql("create index exchange_search_vector_idx on exchange_search using gin (vector)");
    this.addSql("drop index if exists exchange_search_idx");
  }

  override down(): void {
    this.addSql(`create index exchange_search_idx on exchange using gin ((${RAW_SEARCH_VECTOR_SQL}))`);
    this.addSql("drop table if exists search_index_progress");
    this.addSql("drop table if exists exchange_search");
  }
}

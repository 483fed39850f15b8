// Session search and replay: the indexes `palisade audit search` filters by, a full-text vector
// over the recorded bodies, and the streamed response's writes with their timing.
import { Migration } from "@mikro-orm/migrations";

// Bodies are indexed up to this many characters each: a tsvector holds at most 1 MB, and a
// recorded body may be 1 MiB (the agent's record limit). docs/audit.md says so.
const SEARCH_INDEXED_CHARS = 200_000;

/**
 * The text-search vector of a row as this migration defined it, over the raw body text (escapes
 * glued onto words; migration 0025's SEARCH_VECTOR_SQL replaced it): kept as it was, since 0009's
 * index and 0021's first fill use it. An expression index rather than a stored column: no table
 * rewrite, no extra column in `select *`; queries must repeat this exact expression to use it.
 * `simple`: words lower-cased, no stemming and no stop words, whatever the language.
 */
export const RAW_SEARCH_VECTOR_SQL = `to_tsvector('simple'::regconfig, left(request_body, ${SEARCH_INDEXED_CHARS}) || ' ' || left(response_body, ${SEARCH_INDEXED_CHARS}))`;

/** Adds `response_chunks`, the `search` vector and the filter indexes to `exchange`. */
export class Migration0009SessionSearch extends Migration {
  override name = "0009-session-search";

  override up(): void {
    // [{ "ns": offset since the response started, "data": text written to the caller }, ...]
    this.addSql("alter table exchange add column response_chunks jsonb");
    this.addSql(`create index exchange_search_idx on exchange using gin ((${RAW_SEARCH_VECTOR_SQL}))`);
    this.addSql("create index exchange_model_idx on exchange (model, started_at desc)");
    this.addSql("create index exchange_verdict_idx on exchange (verdict, started_at desc)");
    this.addSql("create index exchange_groups_idx on exchange using gin (groups jsonb_path_ops)");
  }

  override down(): void {
    for (const index of ["exchange_groups_idx", "exchange_verdict_idx", "exchange_model_idx", "exchange_search_idx"]) {
      this.addSql(`drop index if exists ${index}`);
    }
    this.addSql("alter table exchange drop column if exists response_chunks");
  }
}

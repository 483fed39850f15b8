// Session text search over the words the messages hold, not over their JSON spelling: the vector
// of 0009/0021 read the raw body, so escapes glued onto words ("…\n\nSecond" indexed as `nsecond`,
// "caf\u00e9" as `caf` and `u00e9`). `palisade_search_text` decodes a body before `to_tsvector`;
// the sessions already indexed are re-indexed by the search indexer in the background
// (search/search-index.ts, `reindexRound`), not here: a migration must not hold `exchange_search`
// for the minutes millions of sessions take. docs/audit.md "Index and limits".
import { Migration } from "@mikro-orm/migrations";

// As 0009: a tsvector holds at most 1 MB; a recorded body may be 1 MiB.
const SEARCH_INDEXED_CHARS = 200_000;

/**
 * The text of a body as its reader sees it, for `to_tsvector` (its words, not a faithful copy:
 * quotes and control characters may be spaces), never an error:
 * - a body that starts like JSON (`{` or `[`), whole or cut at the record limit: its JSON escapes
 *   decoded (`\n` a line break, `\u00e9` é, surrogate pairs, `\"`, `\\`, `\/`), keys, numbers
 *   and literals kept as words, as the raw text had them. Escaped backslashes are set aside first
 *   (pairs from the left, as a JSON reader takes them), so each backslash left starts an escape.
 *   Without a backslash the raw text has the same words; without `\u` the one-letter escapes are
 *   replaced (a few `replace` scans); with `\u` the body is made one JSON string literal (quotes
 *   and raw line breaks as spaces, an escape cut at the end dropped) for PostgreSQL's JSON reader.
 *   A body the reader still refuses (a `\u0000`, a lone surrogate, a backslash starting no escape:
 *   a text that only looked like JSON) has those escapes blanked and is read again; failing that,
 *   every escape is blanked. The exception blocks cost a subtransaction each (no XID: nothing is
 *   written) — hence PARALLEL RESTRICTED (parallel workers cannot start subtransactions).
 * - a form (`a=b&c=d`, no whitespace): `+` and `%XX` decoded as UTF-8 (as it is when not UTF-8);
 * - anything else (plain text, a stream's reassembled text, multipart): as it is.
 */
const SEARCH_TEXT_FUNCTION = String.raw`create or replace function palisade_search_text(body text) returns text
language plpgsql immutable strict parallel restricted as $fn$
declare
  s text;
  tail text;
begin
  if body !~ '^[ \t\r\n]*[{[]' then
    if body ~ '^[A-Za-z0-9_.~*%+-]+=\S*$' then
      begin
        return (select convert_from(string_agg(case when m[1] is null then convert_to(m[2], 'UTF8') else decode(m[1], 'hex') end, ''::bytea order by n), 'UTF8')
          from regexp_matches(replace(body, '+', ' '), '%([0-9A-Fa-f]{2})|([^%]+|%)', 'g') with ordinality as t(m, n));
      exception when others then
        return replace(body, '+', ' ');
      end;
    end if;
    return body;
  end if;
  if strpos(body, '\') = 0 then
    return body;
  end if;
  s := replace(body, '\\', E'\x01');
  if strpos(s, '\u') = 0 then
    return replace(replace(replace(replace(replace(replace(replace(s, '\n', ' '), '\t', ' '), '\r', ' '), '\/', '/'), '\b', ' '), '\f', ' '), E'\x01', '\');
  end if;
  s := replace(replace(s, '\"', ' '), '"', ' ');
  tail := right(s, 12);
  if strpos(tail, '\') > 0 then
    s := left(s, -12) || regexp_replace(tail, '(\\u[dD][89abAB][0-9a-fA-F]{2})?(\\(u[0-9a-fA-F]{0,3})?)?$', '');
  end if;
  begin
    return ('"' || replace(replace(replace(replace(s, E'\n', ' '), E'\r', ' '), E'\t', ' '), E'\x01', '\\') || '"')::json #>> '{}';
  exception when others then
    s := regexp_replace(s, '[\x02-\x1f]', ' ', 'g');
    s := regexp_replace(s, '\\(u0000|u[dD][89a-fA-F][0-9a-fA-F]{2}|u(?![0-9a-fA-F]{4})|(?![/bfnrtu]))', ' ', 'g');
    begin
      return ('"' || replace(s, E'\x01', '\\') || '"')::json #>> '{}';
    exception when others then
      return replace(regexp_replace(s, '\\(u[0-9a-fA-F]{4}|.)?', ' ', 'g'), E'\x01', '\');
    end;
  end;
end
$fn$`;

/**
 * The text-search vector of an `exchange` row since this migration: the decoded texts of both
 * bodies (each up to SEARCH_INDEXED_CHARS characters, cut before decoding). The indexer and a
 * tail's by-row match both use this exact expression, so they find the same sessions.
 */
export const SEARCH_VECTOR_SQL = `to_tsvector('simple'::regconfig, palisade_search_text(left(request_body, ${SEARCH_INDEXED_CHARS})) || ' ' || palisade_search_text(left(response_body, ${SEARCH_INDEXED_CHARS})))`;

/** Creates `palisade_search_text` and, when sessions are indexed already, the re-index cursor. */
export class Migration0025SearchDecodedText extends Migration {
  override name = "0025-search-decoded-text";

  override up(): void {
    this.addSql(SEARCH_TEXT_FUNCTION);
    // Where the background re-index is (exchange ids in order, after `after`); no row: nothing to
    // re-index (a new database, or the re-index done). Old vectors stay until replaced, so search
    // finds at least what it found before while it runs.
    this.addSql(`create table search_reindex_progress (
      id integer primary key check (id = 1),
      after text not null)`);
    this.addSql("insert into search_reindex_progress (id, after) select 1, '' where exists (select 1 from exchange_search)");
  }

  override down(): void {
    this.addSql("drop table if exists search_reindex_progress");
    this.addSql("drop function if exists palisade_search_text(text)");
  }
}

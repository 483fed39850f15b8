// The filters of a session search or tail as SQL conditions over the `exchange` table, each one
// served by an index of migration 0009 (or 0001): subject, connection, model and verdict by b-tree
// with the start time, group by the GIN index over `groups`, text by the GIN index of the
// `exchange_search` table (migration 0021; filled after the commit, see search/search-index.ts) —
// or, for a few known rows (a tail), by computing each row's vector with the indexer's own
// expression (migration 0025), so both find the same sessions.
import type { Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { SEARCH_VECTOR_SQL } from "./migrations/migration-0025-search-decoded-text.js";

/** What a search or a tail keeps; absent fields do not filter. */
export interface SessionFilter {
  subject?: string;
  connection?: string;
  group?: string;
  model?: string;
  verdicts?: readonly Verdict[];
  /** Started at or after (ISO 8601 with microseconds). */
  since?: string;
  /** Started before. */
  until?: string;
  /** `websearch_to_tsquery('simple', text)` over the recorded bodies. */
  text?: string;
}

/** SQL conditions (joined with `and`) and their positional parameters. */
export interface Conditions {
  where: string[];
  params: unknown[];
}

/**
 * The conditions of `filter`; none for an empty filter. Free text goes through the text index
 * (sessions not indexed yet are not found), or with `textByRow` through each row's own vector
 * (exact at once, but only for a condition that already picks a few rows by id).
 */
export function filterConditions(filter: SessionFilter, options: { textByRow?: boolean } = {}): Conditions {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, ...values: unknown[]) => { where.push(sql); params.push(...values); };
  if (filter.subject) add("subject = ?", filter.subject);
  if (filter.connection) add("connection = ?", filter.connection);
  // Containment, not `?`: MikroORM reads a bare question mark as a parameter.
  if (filter.group) add("groups @> ?::jsonb", JSON.stringify([filter.group]));
  if (filter.model) add("model = ?", filter.model);
  if (filter.verdicts?.length) add(`verdict in (${filter.verdicts.map(() => "?").join(", ")})`, ...filter.verdicts);
  if (filter.since) add("started_at >= ?::timestamptz", filter.since);
  if (filter.until) add("started_at < ?::timestamptz", filter.until);
  if (filter.text && options.textByRow) add(`${SEARCH_VECTOR_SQL} @@ websearch_to_tsquery('simple', ?)`, filter.text);
  else if (filter.text) add("id in (select id from exchange_search where vector @@ websearch_to_tsquery('simple', ?))", filter.text);
  return { where, params };
}

/** `where a and b ...`, or nothing when there are no conditions. */
export function whereClause(conditions: readonly string[]): string {
  return conditions.length ? `where ${conditions.join(" and ")}` : "";
}

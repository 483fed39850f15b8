// The insert of a group of exchanges: one statement per slice of rows, every column sent as one
// bound array parameter and expanded by `unnest` on the server (no per-row SQL text, no literals
// to escape or parse). Duplicates by id are skipped, and only the rows really inserted come back
// with what their session entries need (the row digest is computed by PostgreSQL).
import type { Exchange } from "../../gen/palisade/agent/v1/exchange_pb.js";
import type { EntityManager } from "@mikro-orm/sql";
import { type InsertedExchange, SESSION_EVENT_COLUMNS } from "../audit/session-events.js";
import { binaryArray, textForm } from "./binary-array.js";
import { boundQuery, unnestSql } from "./bound-query.js";
import { EXCHANGE_COLUMN_TYPES, EXCHANGE_COLUMNS, exchangeValues } from "./exchange-columns.js";

/** One exchange to store and the agent whose stream delivered it. */
export interface AgentExchange {
  agent: string;
  exchange: Exchange;
}

// A statement carries at most this many rows, or this many characters of bodies (a recorded body
// may be 1 MiB: one array parameter must stay far below PostgreSQL's 1 GB per value and V8's
// string limit).
const ROWS_PER_STATEMENT = 1000;
const BODY_CHARS_PER_STATEMENT = 32 * 1024 * 1024;

const INSERT_SQL = `insert into exchange (${EXCHANGE_COLUMNS.join(", ")})
  select * from ${unnestSql(EXCHANGE_COLUMN_TYPES)}
  on conflict (id) do nothing returning ${SESSION_EVENT_COLUMNS}`;

/**
 * Inserts `items` in `tx`; resolves with the rows inserted (resent duplicates are left out).
 * `binary`: columns go in PostgreSQL's binary array format where exact (binary-array.ts); PGlite
 * takes the text form.
 */
export async function insertExchanges(tx: EntityManager, items: readonly AgentExchange[], now: Date, binary = false): Promise<InsertedExchange[]> {
  const inserted: InsertedExchange[] = [];
  for (const slice of slices(items)) {
    const columns: unknown[][] = EXCHANGE_COLUMNS.map(() => new Array<unknown>(slice.length));
    slice.forEach((item, row) => {
      const values = exchangeValues(item.agent, item.exchange, now, binary);
      for (let column = 0; column < values.length; column++) columns[column]![row] = values[column];
    });
    const params = binary ? columns.map((values, i) => binaryArray(EXCHANGE_COLUMN_TYPES[i]!, values) ?? textForm(values)) : columns;
    inserted.push(...await boundQuery<InsertedExchange>(tx, INSERT_SQL, params));
  }
  return inserted;
}

function* slices(items: readonly AgentExchange[]): Generator<readonly AgentExchange[]> {
  let start = 0;
  let chars = 0;
  for (let i = 0; i < items.length; i++) {
    const { requestBody, responseBody, responseChunks } = items[i]!.exchange;
    const size = requestBody.length + responseBody.length + responseChunks.reduce((sum, chunk) => sum + chunk.data.length, 0);
    if (i > start && (i - start >= ROWS_PER_STATEMENT || chars + size > BODY_CHARS_PER_STATEMENT)) {
      yield items.slice(start, i);
      start = i;
      chars = 0;
    }
    chars += size;
  }
  if (start < items.length) yield items.slice(start);
}

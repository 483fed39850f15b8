// The insert of a group of exchanges: one statement per slice of rows, every column sent as one
// bound array parameter and expanded by `unnest` on the server (no per-row SQL text, no literals
// to escape or parse). Duplicates by id are skipped, and only the rows really inserted come back
// with what their session entries need. On PostgreSQL the row digest is computed here from the
// values sent (audit/exchange-digest-direct.ts; PostgreSQL computing it was ~40 % of the insert's
// CPU), on PGlite by the database in the RETURNING list.
import type { Exchange } from "../../gen/palisade/agent/v1/exchange_pb.js";
import type { EntityManager } from "@mikro-orm/sql";
import { type DirectDigester, directDigester } from "../audit/exchange-digest-direct.js";
import { type InsertedExchange, SESSION_EVENT_COLUMNS } from "../audit/session-events.js";
import { binaryArray, PostgresMicros, textForm } from "./binary-array.js";
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

// The same insert returning only the ids inserted and the commit time the digest covers (the
// transaction's time: `committed_at`'s default, one value per statement): the session fields and
// the digest are the control plane's (withSessionFields). Printing them per row cost PostgreSQL
// ~2 µs a row, reading each row's `committed_at` ~1.5.
const INSERT_DIRECT_SQL = `insert into exchange (${EXCHANGE_COLUMNS.join(", ")})
  select * from ${unnestSql(EXCHANGE_COLUMN_TYPES)}
  on conflict (id) do nothing returning id, (select (extract(epoch from now()) * 1000000)::bigint) as committed_us`;

// And without ON CONFLICT, for rows taken to be new: an id stored already fails the statement
// (unique_violation on exchange_pkey, see isStoredAlready). ON CONFLICT's speculative insertion
// (an arbiter check, then a confirmation per row, each WAL-logged) cost ~17 % of the statement.
const INSERT_NEW_SQL = INSERT_DIRECT_SQL.replace("on conflict (id) do nothing ", "");

// What the database says of rows whose values the direct way does not know.
const DECLINED_SQL = `select ${SESSION_EVENT_COLUMNS} from exchange where id = any($1::text[])`;

const CONNECTION = EXCHANGE_COLUMNS.indexOf("connection");
const SUBJECT = EXCHANGE_COLUMNS.indexOf("subject");
const STARTED_AT = EXCHANGE_COLUMNS.indexOf("started_at");
const POSTGRES_EPOCH_MS = BigInt(Date.UTC(2000, 0, 1));

/**
 * Inserts `items` in `tx`; resolves with the rows inserted (resent duplicates are left out).
 * `binary`: columns go in PostgreSQL's binary array format where exact (binary-array.ts); PGlite
 * takes the text form. `allNew` (with `binary`): the rows are inserted without ON CONFLICT, so an
 * id stored already (or twice in `items`) fails the insert, and with it the transaction
 * (isStoredAlready tells that error); the caller then goes again without it.
 */
export async function insertExchanges(tx: EntityManager, items: readonly AgentExchange[], now: Date, binary = false, allNew = false): Promise<InsertedExchange[]> {
  const inserted: InsertedExchange[] = [];
  for (const slice of slices(items)) {
    const columns = exchangeColumns(slice, now, binary);
    if (!binary) {
      inserted.push(...await boundQuery<InsertedExchange>(tx, INSERT_SQL, columns));
      continue;
    }
    const params = binaryParams(columns);
    const digester = directDigester(columns, params);
    if (!digester) {
      inserted.push(...await boundQuery<InsertedExchange>(tx, INSERT_SQL, params));
      continue;
    }
    const rows = await boundQuery<{ id: string; committed_us: string }>(tx, allNew ? INSERT_NEW_SQL : INSERT_DIRECT_SQL, params);
    inserted.push(...await withSessionFields(tx, columns, digester, rows));
  }
  return inserted;
}

/** Whether `error` is an `allNew` insert meeting an id stored already (or repeated in its rows). */
export function isStoredAlready(error: unknown): boolean {
  const { code, constraint } = (error ?? {}) as { code?: unknown; constraint?: unknown };
  return code === "23505" && constraint === "exchange_pkey";
}

/** The values of `items` by column (EXCHANGE_COLUMNS order), as exchangeValues gives them. */
export function exchangeColumns(items: readonly AgentExchange[], now: Date, binary: boolean): unknown[][] {
  const columns: unknown[][] = EXCHANGE_COLUMNS.map(() => new Array<unknown>(items.length));
  items.forEach((item, row) => {
    const values = exchangeValues(item.agent, item.exchange, now, binary);
    for (let column = 0; column < values.length; column++) columns[column]![row] = values[column];
  });
  return columns;
}

/** The parameters sent for `columns` on PostgreSQL: binary arrays where exact, else the text form. */
export function binaryParams(columns: readonly (readonly unknown[])[]): unknown[] {
  return columns.map((values, i) => binaryArray(EXCHANGE_COLUMN_TYPES[i]!, values) ?? textForm(values));
}

// The inserted rows with their session fields and digests, from the values sent: the first of the
// slice's rows with that id as stored (a later duplicate was skipped by ON CONFLICT; text as stored:
// a lone surrogate is U+FFFD), the start as `to_char(…, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')` prints
// it (milliseconds cut, years 1000–9999: PostgresMicros), or from the database where the direct way
// declines.
async function withSessionFields(
  tx: EntityManager, columns: readonly (readonly unknown[])[], digester: DirectDigester, rows: readonly { id: string; committed_us: string }[],
): Promise<InsertedExchange[]> {
  const ids = columns[0] as readonly string[];
  const position = new Map<string, number>();
  for (let row = ids.length - 1; row >= 0; row--) position.set(ids[row]!.toWellFormed(), row);
  const declined: InsertedExchange[] = [];
  let committedText = "";
  let committedUs = 0n;
  const out = rows.map((row): InsertedExchange => {
    if (row.committed_us !== committedText) {
      committedText = row.committed_us;
      committedUs = BigInt(committedText);
    }
    const at = position.get(row.id);
    const startedAt = at === undefined ? undefined : startedText(columns[STARTED_AT]![at]);
    const digest = startedAt === undefined ? undefined : digester(at!, committedUs);
    if (digest === undefined || startedAt === undefined) {
      const unknown = { id: row.id, subject: null, connection: "", started_at: "", digest: "" };
      declined.push(unknown);
      return unknown;
    }
    const subject = columns[SUBJECT]![at!] as string | null;
    return { id: row.id, subject: subject === null ? null : subject.toWellFormed(), connection: (columns[CONNECTION]![at!] as string).toWellFormed(), started_at: startedAt, digest };
  });
  if (declined.length > 0) {
    const stored = new Map((await boundQuery<InsertedExchange>(tx, DECLINED_SQL, [declined.map((row) => row.id)])).map((row) => [row.id, row]));
    for (const row of declined) Object.assign(row, stored.get(row.id)!);
  }
  return out;
}

// A start time sent as binary microseconds as the session entry spells it; else undefined.
function startedText(value: unknown): string | undefined {
  if (!(value instanceof PostgresMicros)) return undefined;
  const { micros } = value;
  // Milliseconds rounded down (a time before 2000 has negative microseconds).
  const ms = (micros >= 0n ? micros / 1000n : (micros - 999n) / 1000n) + POSTGRES_EPOCH_MS;
  return new Date(Number(ms)).toISOString();
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

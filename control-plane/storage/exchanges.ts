// Recorded exchanges: committed idempotently for the stream, read back for the admin API.
import type { Exchange } from "../../gen/palisade/agent/v1/exchange_pb.js";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { EntityManager } from "@mikro-orm/sql";
import type { ExchangeSink } from "../stream/ports.js";
import { appendAuditEvents } from "../audit/audit-log.js";
import { searchIndexLag } from "../search/search-index.js";
import { sessionsEvents } from "../audit/session-events.js";
import type { Database } from "./database.js";
import { createGroupCommitter } from "./group-commit.js";
import { type ExchangeRecordRow, exchangeFromRow, exchangeSelectList, timestampFromMicros } from "./exchange-columns.js";
import { type AgentExchange, insertExchanges, isStoredAlready } from "./exchange-insert.js";
import { filterConditions, type SessionFilter, whereClause } from "./session-filter.js";

/** How long one free-text search may run on PostgreSQL before it is cancelled (SQLSTATE 57014). */
export const TEXT_SEARCH_TIMEOUT_MS = 10_000;

/** A stored exchange with the time the control plane committed it. */
export interface StoredExchange {
  exchange: Exchange;
  commitTime: Timestamp;
}

/** Filters and position of a session listing. */
export interface ExchangeQuery extends SessionFilter {
  limit: number;
  /** Keyset position: list what comes strictly after this (started_at text, id). */
  after?: { startedKey: string; id: string };
}

/** One page of a listing; `keys[i]` is the started_at key of `exchanges[i]` for keyset paging. */
export interface ExchangePage {
  exchanges: StoredExchange[];
  keys: string[];
  /**
   * For a free-text listing: when the oldest committed session the text index did not hold yet
   * was appended to the chain (epoch ms), read before the search; undefined when it was caught up.
   */
  textIndexOldestMs?: number;
}

/** Told the ids of newly stored sessions (session feed, search indexer): in the transaction, then after it. */
export interface CommitObserver {
  /** Runs inside the inserting transaction (PostgreSQL: NOTIFY, delivered at commit). */
  inTransaction(tx: EntityManager, ids: string[]): Promise<void>;
  /** Runs after the commit. */
  committed(ids: string[]): void;
}

// Exchanges per combined transaction, and transactions committing at once per process: one
// inserts while another holds the audit chain's append lock.
const GROUP_MAX_EXCHANGES = 2000;
const GROUPS_IN_FLIGHT = 2;

/**
 * The stream's sink for exchanges, duplicates ignored by id. Batches of concurrent streams are
 * committed together (group-commit.ts): one transaction stores the rows and appends their session
 * entries to the audit chain; if it fails, every batch in it fails and is resent by its agent.
 */
export function createExchangeSink(db: Database, ...observers: CommitObserver[]): ExchangeSink {
  const observer = observers.length === 0 ? undefined : observers.length === 1 ? observers[0] : allOf(observers);
  const committer = createGroupCommitter<AgentExchange>((items) => commitExchanges(db, items, observer), {
    maxItems: GROUP_MAX_EXCHANGES, maxInFlight: GROUPS_IN_FLIGHT,
  });
  return {
    async commit(agent, exchanges) {
      // An exchange without an id cannot be deduplicated or acknowledged; it is not stored.
      const storable = exchanges.filter((exchange) => exchange.id !== "");
      if (storable.length === 0) return [];
      await committer.submit(storable.map((exchange) => ({ agent, exchange })));
      return storable.map((exchange) => exchange.id);
    },
  };
}

// Observers told in order, each in the transaction and each after the commit.
function allOf(observers: readonly CommitObserver[]): CommitObserver {
  return {
    async inTransaction(tx, ids) {
      for (const observer of observers) await observer.inTransaction(tx, ids);
    },
    committed(ids) {
      for (const observer of observers) observer.committed(ids);
    },
  };
}

// On PostgreSQL a group is inserted first as new rows (no ON CONFLICT: ~17 % less of the insert's
// CPU). Almost always they are; when an id was stored already (an agent resending a batch whose ACK
// it lost) or comes twice in the group, that attempt fails on the primary key before anything else
// ran in it, and the group goes again skipping stored ids, as every group did before. Same rows,
// same chain entries either way.
async function commitExchanges(db: Database, items: readonly AgentExchange[], observer: CommitObserver | undefined): Promise<void> {
  const now = new Date();
  if (db.flavour === "postgres") {
    try {
      await commitGroup(db, items, observer, now, true);
      return;
    } catch (error) {
      if (!isStoredAlready(error)) throw error;
    }
  }
  await commitGroup(db, items, observer, now, false);
}

async function commitGroup(db: Database, items: readonly AgentExchange[], observer: CommitObserver | undefined, now: Date, allNew: boolean): Promise<void> {
  const inserted: string[] = [];
  await db.transaction(async (tx) => {
    inserted.length = 0; // a retried transaction starts over
    // Only rows really inserted come back: a resent duplicate is not listed in the chain again.
    const rows = await insertExchanges(tx, items, now, db.flavour === "postgres", allNew);
    inserted.push(...rows.map((row) => row.id));
    if (observer && inserted.length > 0) await observer.inTransaction(tx, inserted);
    // One lock for the whole group, taken last: held only to hash, insert and commit.
    await appendAuditEvents(tx, sessionsEvents(rows, now));
  });
  if (inserted.length > 0) observer?.committed(inserted);
}

/** Reads stored exchanges. */
export interface ExchangeReader {
  /** Newest first (by start time, then id), filtered, after the keyset position; no bodies. */
  list(query: ExchangeQuery): Promise<ExchangePage>;
  /** One exchange with its bodies, or undefined. */
  get(id: string): Promise<StoredExchange | undefined>;
  /** Those of `ids` that `filter` keeps, without bodies, in the order of `ids`. */
  pick(ids: readonly string[], filter: SessionFilter): Promise<StoredExchange[]>;
}

function stored(row: ExchangeRecordRow): StoredExchange {
  return { exchange: exchangeFromRow(row), commitTime: timestampFromMicros(row.committed_us) };
}

/** The exchange reader over `db`. */
export function createExchangeReader(db: Database): ExchangeReader {
  return {
    async list(query) {
      // Read before the search: every session committed before a caught-up index is in it.
      const lag = query.text ? await searchIndexLag(db.em()) : undefined;
      const { where, params } = filterConditions(query);
      if (query.after) {
        where.push("(started_at, id) < (?::timestamptz, ?)");
        params.push(query.after.startedKey, query.after.id);
      }
      // With free text the text index must drive: walking the time index and testing each row's
      // vector (the planner's pick when it misjudges a rare word as common) reads the whole table.
      // Ordering by an expression of the time keeps the order and takes that walk off the table.
      const order = query.text ? "started_at + interval '0 seconds' desc, id desc" : "started_at desc, id desc";
      const sql = `select ${exchangeSelectList(false)} from exchange ${whereClause(where)}
         order by ${order} limit ${Math.trunc(query.limit)}`;
      // A word in most sessions makes the text index useless: such a search is cut off rather
      // than left to occupy the database (the caller is told to narrow it).
      const rows = query.text && db.flavour === "postgres"
        ? await db.em().transactional(async (tx) => {
          await tx.execute(`set local statement_timeout = ${TEXT_SEARCH_TIMEOUT_MS}`);
          return tx.execute<ExchangeRecordRow[]>(sql, params);
        })
        : await db.em().execute<ExchangeRecordRow[]>(sql, params);
      return { exchanges: rows.map(stored), keys: rows.map((row) => row.started_key), textIndexOldestMs: lag?.oldestMs };
    },
    async get(id) {
      const rows = await db.em().execute<ExchangeRecordRow[]>(
        `select ${exchangeSelectList(true)} from exchange where id = ?`, [id],
      );
      return rows[0] ? stored(rows[0]) : undefined;
    },
    async pick(ids, filter) {
      if (ids.length === 0) return [];
      // A tail's sessions were committed just now: their text is matched row by row, not through the
      // index that may not hold them yet.
      const { where, params } = filterConditions(filter, { textByRow: true });
      where.unshift(`id in (${ids.map(() => "?").join(", ")})`);
      const rows = await db.em().execute<ExchangeRecordRow[]>(
        `select ${exchangeSelectList(false)} from exchange ${whereClause(where)}`, [...ids, ...params],
      );
      const order = new Map(ids.map((id, i) => [id, i]));
      return rows.map(stored).sort((a, b) => order.get(a.exchange.id)! - order.get(b.exchange.id)!);
    },
  };
}

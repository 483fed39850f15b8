// The text index filled after the commit (migration 0021, control-plane/search/): a session is
// found by text once the indexer reached it and not before, the listing says how far behind the
// index is, a tail matches text at once, and past the lag bound a commit indexes its own sessions.
import pino from "pino";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAuditEvents } from "../../control-plane/audit/audit-log.js";
import { SEARCH_INDEX_LOCK } from "../../control-plane/search/search-index.js";
import type { SearchIndexMetrics } from "../../control-plane/search/search-index-metrics.js";
import { startSearchIndexer } from "../../control-plane/search/search-indexer.js";
import type { Database } from "../../control-plane/storage/database.js";
import { insertExchanges } from "../../control-plane/storage/exchange-insert.js";
import { createExchangeReader, createExchangeSink, type ExchangeReader } from "../../control-plane/storage/exchanges.js";
import { databaseFlavours, openTestDatabase } from "../support/database.js";
import { eventually } from "../support/eventually.js";
import { legacySessionEvent } from "../support/legacy-session-entries.js";
import { exchange } from "../storage/exchange-fixtures.js";

const silent = pino({ level: "silent" });

function said(id: string, words: string) {
  const x = exchange(id);
  x.responseBody = words;
  return x;
}

function countingMetrics() {
  const counts = { indexed: 0, inCommit: 0, lagEntries: 0 };
  const metrics: SearchIndexMetrics = {
    lag(entries) { counts.lagEntries = entries; },
    indexed(n) { counts.indexed += n; },
    indexedInCommit(n) { counts.inCommit += n; },
    reindexed() {},
  };
  return { counts, metrics };
}

describe.each(await databaseFlavours())("the session text index on %s", (flavour) => {
  let opened: Awaited<ReturnType<typeof openTestDatabase>>;
  let db: Database;
  let reader: ExchangeReader;
  const found = async (text: string) => (await reader.list({ limit: 10, text })).exchanges.map((s) => s.exchange.id);

  beforeAll(async () => {
    opened = await openTestDatabase(flavour);
    db = opened.db;
    reader = createExchangeReader(db);
  });
  afterAll(async () => { await opened?.close(); });

  it("finds a committed session once the indexer has passed it, and says how far behind it was", async () => {
    // Committed with no indexer running: stored and chained, not indexed yet.
    await createExchangeSink(db).commit("edge", [said("late-1", "a narwhal surfaced")]);
    const before = await reader.list({ limit: 10, text: "narwhal" });
    expect(before.exchanges).toEqual([]);
    expect(before.textIndexOldestMs).toBeTypeOf("number");
    // A tail's rows are matched one by one, so it sees the session at once.
    expect((await reader.pick(["late-1"], { text: "narwhal" })).map((s) => s.exchange.id)).toEqual(["late-1"]);
    const { counts, metrics } = countingMetrics();
    const indexer = startSearchIndexer({ db, logger: silent, metrics });
    try {
      await indexer.caughtUp();
      const after = await reader.list({ limit: 10, text: "narwhal" });
      expect(after.exchanges.map((s) => s.exchange.id)).toEqual(["late-1"]);
      expect(after.textIndexOldestMs).toBeUndefined();
      expect(counts.indexed).toBe(1);
      expect(counts.inCommit).toBe(0);
      // Through the indexer's own sink: found once caught up, without a second index row.
      const sink = createExchangeSink(db, indexer.observer);
      await sink.commit("edge", [said("late-2", "a second narwhal"), said("late-1", "resent")]);
      await indexer.caughtUp();
      expect(await found("narwhal")).toEqual(["late-2", "late-1"]);
      expect(await found("resent")).toEqual([]);
      expect(counts.indexed).toBe(2);
    } finally {
      await indexer.close();
    }
  });

  it("indexes sessions an older replica chains one entry each (a rolling upgrade)", async () => {
    await db.transaction(async (tx) => {
      const now = new Date();
      const rows = await insertExchanges(tx, [{ agent: "edge", exchange: said("old-1", "a puffin on the old replica") }], now);
      await appendAuditEvents(tx, rows.map((row) => legacySessionEvent(row, now)));
    });
    const indexer = startSearchIndexer({ db, logger: silent });
    try {
      await indexer.caughtUp();
      expect(await found("puffin")).toEqual(["old-1"]);
    } finally {
      await indexer.close();
    }
  });

  it("indexes in the commit when told the index may never lag (max lag 0)", async () => {
    const { counts, metrics } = countingMetrics();
    const indexer = startSearchIndexer({ db, logger: silent, metrics, maxLagMs: 0 });
    try {
      await indexer.caughtUp();
      await createExchangeSink(db, indexer.observer).commit("edge", [said("sync-1", "an albatross")]);
      // No wait: the commit itself indexed it.
      expect(await found("albatross")).toEqual(["sync-1"]);
      expect(counts.inCommit).toBe(1);
    } finally {
      await indexer.close();
    }
  });

  it("keeps the index with the exchange rows: a deleted session leaves it", async () => {
    await db.em().execute("delete from exchange where id = 'sync-1'");
    const [left] = await db.em().execute<{ n: number }[]>("select count(*)::int as n from exchange_search where id = 'sync-1'");
    expect(left?.n).toBe(0);
  });

  it.runIf(flavour === "postgres")("past the lag bound, commits index their own sessions while the backlog waits", async () => {
    // Another replica holds the indexing lock and makes no progress (stuck, or slower than ingest).
    const stuck = new pg.Client({ connectionString: opened.url });
    await stuck.connect();
    try {
      await stuck.query("begin");
      await stuck.query("select pg_advisory_xact_lock($1)", [SEARCH_INDEX_LOCK]);
      await createExchangeSink(db).commit("edge", [said("backlog-1", "a kingfisher dived")]);
      const { counts, metrics } = countingMetrics();
      // The clock says that backlog is a minute old: past the 10 s bound.
      const indexer = startSearchIndexer({ db, logger: silent, metrics, maxLagMs: 10_000, now: () => Date.now() + 60_000 });
      try {
        await eventually("the indexer to measure its lag", () => counts.lagEntries > 0);
        await createExchangeSink(db, indexer.observer).commit("edge", [said("bounded-1", "another kingfisher")]);
        expect(await found("kingfisher")).toEqual(["bounded-1"]);
        expect(counts.inCommit).toBe(1);
        expect(counts.indexed).toBe(0);
        // The stuck replica goes away: the backlog is indexed, the bounded session not twice.
        await stuck.query("rollback");
        await indexer.caughtUp();
        expect(await found("kingfisher")).toEqual(["bounded-1", "backlog-1"]);
        expect(counts.indexed).toBe(1);
      } finally {
        await indexer.close();
      }
    } finally {
      await stuck.end();
    }
  });
});

// The search filters, the full-text index, streamed writes and the live feed on both engines
// (PGlite and PostgreSQL): migrations 0009 and 0021 must work on each.
import { create } from "@bufbuild/protobuf";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ResponseChunkSchema, Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { createExchangeReader, createExchangeSink, type ExchangeReader } from "../../control-plane/storage/exchanges.js";
import { createSessionFeed, notifyPayloads, type SessionFeed } from "../../control-plane/storage/session-feed.js";
import { type SearchIndexer, startSearchIndexer } from "../../control-plane/search/search-indexer.js";
import type { ExchangeSink } from "../../control-plane/stream/ports.js";
import { databaseFlavours, openTestDatabase } from "../support/database.js";
import { eventually } from "../support/eventually.js";
import { exchange } from "../storage/exchange-fixtures.js";

const base = Date.UTC(2031, 0, 1);
const ids = async (reader: ExchangeReader, filter: Parameters<ExchangeReader["list"]>[0]) =>
  (await reader.list(filter)).exchanges.map((s) => s.exchange.id);

describe.each(await databaseFlavours())("session search storage on %s", (flavour) => {
  let close: () => Promise<void>;
  let reader: ExchangeReader;
  let sink: ExchangeSink;
  let feed: SessionFeed;
  let indexer: SearchIndexer;

  beforeAll(async () => {
    const opened = await openTestDatabase(flavour);
    feed = createSessionFeed(opened.db, pino({ level: "silent" }));
    indexer = startSearchIndexer({ db: opened.db, logger: pino({ level: "silent" }) });
    close = async () => { await indexer.close(); await feed.close(); await opened.close(); };
    reader = createExchangeReader(opened.db);
    sink = createExchangeSink(opened.db, feed.observer, indexer.observer);
    const made = [
      { verdict: Verdict.ALLOWED, groups: ["eng"], model: "gpt-a", response: "The lighthouse keeper waved" },
      { verdict: Verdict.MASKED, groups: ["eng", "ml"], model: "gpt-b", response: "masked [EMAIL] here" },
      { verdict: Verdict.REVIEWED, groups: ["ops"], model: "gpt-a", response: "approved answer" },
      { verdict: Verdict.FAILED, groups: [], model: "gpt-b", response: "" },
      { verdict: Verdict.DENIED, groups: ["ops"], model: "gpt-a", response: "denied by policy" },
    ].map((spec, i) => {
      const x = exchange(`q-${i}`, { startedMs: base + i * 60_000, subject: i % 2 ? "bob" : "alice" });
      x.verdict = spec.verdict;
      x.identity!.groups = spec.groups;
      x.model = spec.model;
      x.responseBody = spec.response;
      return x;
    });
    made[0]!.responseChunks = [
      create(ResponseChunkSchema, { offset: { seconds: 0n, nanos: 1_000_000 }, data: "data: The\n\n" }),
      create(ResponseChunkSchema, { offset: { seconds: 1n, nanos: 500_000_000 }, data: "data: lighthouse €\n\n" }),
    ];
    await sink.commit("edge", made);
    await indexer.caughtUp();
  });
  afterAll(async () => { await close?.(); });

  it("filters by each field and by time", async () => {
    expect(await ids(reader, { limit: 10, verdicts: [Verdict.MASKED] })).toEqual(["q-1"]);
    expect(await ids(reader, { limit: 10, verdicts: [Verdict.REVIEWED, Verdict.FAILED] })).toEqual(["q-3", "q-2"]);
    expect(await ids(reader, { limit: 10, group: "ops" })).toEqual(["q-4", "q-2"]);
    expect(await ids(reader, { limit: 10, group: "ml" })).toEqual(["q-1"]);
    expect(await ids(reader, { limit: 10, model: "gpt-a", subject: "alice" })).toEqual(["q-4", "q-2", "q-0"]);
    const since = new Date(base + 60_000).toISOString();
    const until = new Date(base + 3 * 60_000).toISOString();
    expect(await ids(reader, { limit: 10, since, until })).toEqual(["q-2", "q-1"]);
  });

  it("searches the bodies as text", async () => {
    expect(await ids(reader, { limit: 10, text: "lighthouse" })).toEqual(["q-0"]);
    expect(await ids(reader, { limit: 10, text: "LIGHTHOUSE keeper" })).toEqual(["q-0"]);
    expect(await ids(reader, { limit: 10, text: "answer or policy" })).toEqual(["q-4", "q-2"]);
    expect(await ids(reader, { limit: 10, text: '"keeper lighthouse"' })).toEqual([]);
    expect(await ids(reader, { limit: 10, text: "gpt-test -q-3" })).toHaveLength(4);
  });

  it("keeps the streamed writes with their offsets, only in the full record", async () => {
    const full = await reader.get("q-0");
    expect(full?.exchange.responseChunks.map((c) => [c.offset?.seconds, c.offset?.nanos, c.data])).toEqual([
      [0n, 1_000_000, "data: The\n\n"], [1n, 500_000_000, "data: lighthouse €\n\n"],
    ]);
    const listed = (await reader.list({ limit: 10, text: "lighthouse" })).exchanges[0];
    expect(listed?.exchange.responseChunks).toEqual([]);
    expect((await reader.get("q-1"))?.exchange.responseChunks).toEqual([]);
  });

  it("feeds newly committed ids to subscribers, once", async () => {
    const heard: string[] = [];
    const unsubscribe = await feed.subscribe({ sessions: (batch) => heard.push(...batch), lost: () => heard.push("LOST") });
    await sink.commit("edge", [exchange("live-1", { startedMs: base }), exchange("q-0")]);
    await eventually("the feed", async () => (heard.length > 0 ? true : undefined), 5_000);
    await sink.commit("edge", [exchange("live-1"), exchange("live-2")]);
    await eventually("the second batch", async () => (heard.includes("live-2") ? true : undefined), 5_000);
    expect(heard).toEqual(["live-1", "live-2"]);
    unsubscribe();
    const picked = await reader.pick(["live-2", "nope", "live-1"], { subject: "alice" });
    expect(picked.map((s) => s.exchange.id)).toEqual(["live-2", "live-1"]);
  });
});

describe("notify payloads", () => {
  it("split under 8000 bytes and skip ids that cannot be sent", () => {
    const payloads = notifyPayloads([...Array.from({ length: 300 }, (_, i) => `id-${i}-${"x".repeat(40)}`), "bad\nid", "y".repeat(9000)]);
    expect(payloads.length).toBeGreaterThan(1);
    for (const payload of payloads) expect(Buffer.byteLength(payload)).toBeLessThan(8000);
    expect(payloads.join("\n").split("\n")).toHaveLength(300);
  });
});

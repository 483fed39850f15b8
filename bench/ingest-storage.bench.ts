// The storage side of audit ingest alone, in process: groups of exchanges committed one after
// another through the real exchange sink (rows, chain entries, NOTIFY) on PostgreSQL, then the
// search indexer run until every session is searchable. CPU per exchange of this process and of
// the database's backends (/proc), for each part: on a shared machine the robust figures, without
// the gRPC streams and load generator of the whole bench (ingest.bench.ts).
import { create } from "@bufbuild/protobuf";
import pg from "pg";
import pino from "pino";
import { type Exchange, ExchangeSchema, Verdict } from "../gen/palisade/agent/v1/exchange_pb.js";
import { startSearchIndexer } from "../control-plane/search/search-indexer.js";
import { openDatabase } from "../control-plane/storage/database.js";
import { createExchangeSink } from "../control-plane/storage/exchanges.js";
import { testDatabase } from "../test/support/database.js";
import type { Bench, Metric } from "./bench.js";
import { cpuTimeMs } from "./processes.js";

const GROUP = Number(process.env.INGEST_STORAGE_GROUP ?? 800);
const GROUPS = Number(process.env.INGEST_STORAGE_GROUPS ?? 30);
const REQUEST = JSON.stringify({ model: "gpt-bench", messages: [{ role: "user", content: "Summarise the attached paragraph in one sentence. ".repeat(8) }] });
const RESPONSE = "The paragraph says that audit logs must be tamper-evident and fast to ingest. ".repeat(6);

function benchExchange(n: number): Exchange {
  const now = Date.now();
  return create(ExchangeSchema, {
    id: `s-${n}`, connection: "openai", agentInstance: "i-1",
    identity: { subject: `user-${n % 50}@example.com`, email: `user-${n % 50}@example.com`, groups: ["eng"], issuer: "urn:palisade:service-accounts" },
    method: "POST", path: "/v1/chat/completions", model: "gpt-bench", status: 200, verdict: Verdict.ALLOWED,
    requestBody: REQUEST, responseBody: `${RESPONSE}${n}`, usage: { promptTokens: 120n, completionTokens: 80n, totalTokens: 200n },
    startedAt: { seconds: BigInt(Math.floor(now / 1000)), nanos: (now % 1000) * 1_000_000 }, duration: { seconds: 0n, nanos: 350_000_000 },
  });
}

// CPU ms of every backend serving `client`'s database (the ORM pool), this connection left out.
async function backendsMs(client: pg.Client): Promise<Map<number, number>> {
  const { rows } = await client.query<{ pid: number }>("select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()");
  return new Map(await Promise.all(rows.map(async ({ pid }) => [pid, await cpuTimeMs(pid).catch(() => 0)] as const)));
}

function spentMs(before: Map<number, number>, after: Map<number, number>): number {
  let ms = 0;
  for (const [pid, now] of after) ms += now - (before.get(pid) ?? 0);
  return ms;
}

const processMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

async function run(): Promise<Metric[]> {
  const database = await testDatabase("postgres");
  if (!database.url) throw new Error("the ingest-storage bench needs PostgreSQL on 127.0.0.1:5432");
  const db = await openDatabase({ databaseUrl: database.url });
  const watcher = new pg.Client({ connectionString: database.url });
  await watcher.connect();
  // No bound: the commits never index; the indexer runs afterwards, measured apart.
  const indexing = { maxLagMs: Number.POSITIVE_INFINITY, pollMs: 3_600_000 };
  try {
    const sink = createExchangeSink(db);
    let n = 0;
    await sink.commit("edge", Array.from({ length: GROUP }, () => benchExchange(n++))); // warm-up
    const groups = Array.from({ length: GROUPS }, () => Array.from({ length: GROUP }, () => benchExchange(n++)));
    const count = GROUPS * GROUP;
    const pgBefore = await backendsMs(watcher);
    const cpBefore = processMs();
    for (const group of groups) await sink.commit("edge", group);
    const cpCommit = processMs() - cpBefore;
    const pgMiddle = await backendsMs(watcher);
    const pgCommit = spentMs(pgBefore, pgMiddle);
    const indexStart = processMs();
    const indexer = startSearchIndexer({ db, logger: pino({ level: "silent" }), ...indexing });
    await indexer.caughtUp();
    await indexer.close();
    const cpIndex = processMs() - indexStart;
    const pgIndex = spentMs(pgMiddle, await backendsMs(watcher));
    const us = (ms: number) => (ms * 1000) / count;
    const note = `${GROUPS} groups of ${GROUP} committed one after another`;
    return [
      { name: "ingest storage: control-plane CPU per exchange, commit", value: us(cpCommit), unit: "µs", note: `${note}: rows, chain entries, NOTIFY (this process)` },
      { name: "ingest storage: PostgreSQL CPU per exchange, commit", value: us(pgCommit), unit: "µs", note: "the backends, while committing" },
      { name: "ingest storage: control-plane CPU per exchange, indexing", value: us(cpIndex), unit: "µs", note: "the search indexer until caught up (this process)" },
      { name: "ingest storage: PostgreSQL CPU per exchange, indexing", value: us(pgIndex), unit: "µs", note: "the backends, while the indexer caught up (to_tsvector, GIN)" },
    ];
  } finally {
    await watcher.end();
    await db.close();
    await database.close();
  }
}

const bench: Bench = {
  description: "the storage side of ingest in process on PostgreSQL: CPU per exchange of the commit and of search indexing",
  run,
};
export default bench;

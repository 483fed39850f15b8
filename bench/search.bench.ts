// Session search over 1,000,000 stored sessions on PostgreSQL: representative `palisade audit
// search` queries (newest page, subject, group, rare verdict, model + time range, free text rare /
// medium / common, text + subject, a second page) through the real ExchangeReader, p50/p99 each.
// Rows are made by one INSERT … SELECT from generate_series with the search indexes dropped, then
// the indexes of migration 0009 are built again, the text vectors written to `exchange_search`
// (migration 0021) and its GIN index built, and the tables analysed (SEARCH_ROWS to change).
import pg from "pg";
import { openDatabase } from "../control-plane/storage/database.js";
import { createExchangeReader, type ExchangeQuery } from "../control-plane/storage/exchanges.js";
import { Verdict } from "../gen/palisade/agent/v1/exchange_pb.js";
import { testDatabase } from "../test/support/database.js";
import { percentile, timeMs, type Bench, type Metric } from "./bench.js";
import { fillSessionsSql, INDEX_FILLED_SESSIONS_SQL, TOPICS } from "./session-fill.js";

const ROWS = Number(process.env.SEARCH_ROWS ?? 1_000_000);
const RUNS = Number(process.env.SEARCH_RUNS ?? 40);
const PAGE = 51; // what ListSessions asks for a default page (50 + 1)
// Sessions are spread one per 6 seconds back from this moment (1M ≈ 69 days).
const NEWEST = Date.UTC(2031, 0, 1);
const INDEXES = {
  exchange_model_idx: "(model, started_at desc)",
  exchange_verdict_idx: "(verdict, started_at desc)",
  exchange_groups_idx: "using gin (groups jsonb_path_ops)",
};

const FILL = fillSessionsSql(ROWS, NEWEST);

async function measure(name: string, query: (i: number) => ExchangeQuery, list: (q: ExchangeQuery) => Promise<unknown>): Promise<Metric[]> {
  await list(query(0)); // warm
  const samples: number[] = [];
  for (let i = 1; i <= RUNS; i++) samples.push(await timeMs(() => list(query(i))));
  const note = `${RUNS} queries, ${ROWS.toLocaleString("en")} sessions`;
  return [
    { name: `${name} p50`, value: percentile(samples, 50), unit: "ms", note },
    { name: `${name} p99`, value: percentile(samples, 99), unit: "ms", note },
  ];
}

const bench: Bench = {
  description: `ListSessions queries over ${ROWS.toLocaleString("en")} sessions on PostgreSQL (p50/p99)`,
  async run() {
    const database = await testDatabase("postgres");
    if (!database.url) throw new Error("the search bench needs PostgreSQL on 127.0.0.1:5432");
    const db = await openDatabase({ databaseUrl: database.url });
    try {
      // One connection for the set-up, with room to build the GIN indexes in memory.
      const setup = new pg.Client({ connectionString: database.url });
      await setup.connect();
      try {
        await setup.query("set maintenance_work_mem = '256MB'");
        await setup.query("set synchronous_commit = off");
        for (const index of Object.keys(INDEXES)) await setup.query(`drop index ${index}`);
        console.log(`fill: ${(await timeMs(() => setup.query(FILL)) / 1000).toFixed(1)} s for ${ROWS} rows`);
        for (const [index, definition] of Object.entries(INDEXES)) {
          console.log(`${index}: ${(await timeMs(() => setup.query(`create index ${index} on exchange ${definition}`)) / 1000).toFixed(1)} s`);
        }
        await setup.query("drop index exchange_search_vector_idx");
        console.log(`text vectors: ${(await timeMs(() => setup.query(INDEX_FILLED_SESSIONS_SQL)) / 1000).toFixed(1)} s`);
        console.log(`exchange_search_vector_idx: ${(await timeMs(() => setup.query("create index exchange_search_vector_idx on exchange_search using gin (vector)")) / 1000).toFixed(1)} s`);
        await setup.query("analyze exchange");
        await setup.query("analyze exchange_search");
      } finally {
        await setup.end();
      }
      const reader = createExchangeReader(db);
      const list = (q: ExchangeQuery) => reader.list(q);
      const day = (i: number) => new Date(NEWEST - (i % 30) * 86_400_000);
      const page2 = await reader.list({ text: "refund", limit: PAGE });
      const after = { startedKey: page2.keys[PAGE - 2]!, id: page2.exchanges[PAGE - 2]!.exchange.id };
      return [
        ...(await measure("newest page", () => ({ limit: PAGE }), list)),
        ...(await measure("subject", (i) => ({ subject: `user-${i * 7}`, limit: PAGE }), list)),
        ...(await measure("group", (i) => ({ group: `team-${i % 50}`, limit: PAGE }), list)),
        ...(await measure("verdict denied", () => ({ verdicts: [Verdict.DENIED], limit: PAGE }), list)),
        ...(await measure("model + one day", (i) => ({ model: "gpt-4.1", since: day(i + 1).toISOString(), until: day(i).toISOString(), limit: PAGE }), list)),
        ...(await measure("text rare word", (i) => ({ text: `tkt${(i * 24_989) % ROWS + 1}`, limit: PAGE }), list)),
        ...(await measure("text topic (1 in 20)", (i) => ({ text: TOPICS[i % 20]!, limit: PAGE }), list)),
        // A word in every session: only with a time range (alone it is cut off after 10 s).
        ...(await measure("text common word + one day", (i) => ({ text: "summarise", since: day(i + 1).toISOString(), until: day(i).toISOString(), limit: PAGE }), list)),
        ...(await measure("text topic + subject", (i) => ({ text: TOPICS[(i * 7) % 20]!, subject: `user-${i * 7}`, limit: PAGE }), list)),
        ...(await measure("text phrase", (i) => ({ text: `"ticket tkt${(i * 24_989) % ROWS + 1}"`, limit: PAGE }), list)),
        ...(await measure("text topic page 2", () => ({ text: "refund", after, limit: PAGE }), list)),
      ];
    } finally {
      await db.close();
      await database.close();
    }
  },
};

export default bench;

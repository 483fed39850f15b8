// What the text index holds (migration 0025): the words a reader sees in the messages, whatever
// the body's form — JSON escapes decoded (not glued onto words: `nsecond`, `u00e9`), a body cut
// inside JSON, forms, plain text, a stream's reassembled text, masked placeholders — the same
// through the index and through a tail's by-row match; and sessions indexed before the upgrade
// re-indexed in the background, in rounds, search finding what it found before meanwhile.
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reindexRound } from "../../control-plane/search/search-index.js";
import { startSearchIndexer } from "../../control-plane/search/search-indexer.js";
import type { Database } from "../../control-plane/storage/database.js";
import { createExchangeReader, createExchangeSink, type ExchangeReader } from "../../control-plane/storage/exchanges.js";
import { RAW_SEARCH_VECTOR_SQL } from "../../control-plane/storage/migrations/migration-0009-session-search.js";
import { databaseFlavours, openTestDatabase } from "../support/database.js";
import { exchange } from "../storage/exchange-fixtures.js";

const silent = pino({ level: "silent" });

function chat(content: string): string {
  return JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content }] });
}

// Bodies as recorded, and what a search must and must not find in them.
const SESSIONS: { id: string; request: string; response: string; finds: string[]; not: string[] }[] = [
  {
    id: "escapes",
    request: chat('First line.\n\nSecond paragraph, a "quoted" word,\ttabbed, a/b, C:\\new folder'),
    response: '{"choices":[{"message":{"content":"Sure.\\nHere it is."}}]}',
    finds: ['"second paragraph"', "quoted", "tabbed", "new folder", '"sure here"', "choices"],
    not: ["nsecond", "ttabbed", "ew", "nhere"],
  },
  {
    id: "unicode",
    // Escaped as an ASCII-only encoder writes it (Python's json.dumps), and raw UTF-8.
    request: '{"messages":[{"content":"caf\\u00e9 in \\u6771\\u4eac\\ud83d\\ude00smiles"}]}',
    response: JSON.stringify({ content: "naïve façade" }),
    finds: ["café", "東京", "smiles", "naïve", "façade"],
    not: ["caf", "u00e9", "ude00smiles", "u6771"],
  },
  {
    id: "truncated",
    // Cut at the record limit inside an escape, and after a lone high surrogate.
    request: '{"messages":[{"content":"a truncated\\nbody with caf\\u00e9 and \\u00',
    response: '{"content":"cut after\\nsurrogate \\ud83d',
    finds: ['"truncated body"', "café", '"after surrogate"'],
    not: ["nbody", "u00e9", "nsurrogate", "ud83d", "u00"],
  },
  {
    id: "odd-json",
    // Starts like JSON but is not: a NUL escape, a lone surrogate, a backslash starting no escape.
    request: '{"content":"nul\\u0000here caf\\u00e9 lone \\udc00low \\q quill"}',
    response: "[not json\\nat all",
    finds: ["café", "quill", "here", "low", "all"],
    not: ["u0000here", "u00e9", "udc00low", "nat"],
  },
  {
    id: "non-json",
    request: "message=hello+world%0A%0ASecond+fields&lang=caf%C3%A9",
    // A plain text body stays as it is (a backslash there is no escape).
    response: "Plain text, C:\\temp stays.\nNext line",
    finds: ['"second fields"', "café", "temp", '"next line"'],
    not: ["0asecond", "c3"],
  },
  {
    id: "streamed",
    request: chat("stream me a story"),
    // A stream's record: the deltas' text joined, real line breaks.
    response: "Once upon a time\n\nthe kingfisher sang.",
    finds: ['"time the kingfisher"', "sang"],
    not: [],
  },
  {
    id: "masked",
    request: chat("write to [EMAIL] and <EMAIL_1>\nregards"),
    response: '{"content":"sent to \\u003cPHONE_NUMBER_1\\u003e\\ndone"}',
    finds: ["email", "regards", "done", "sent"],
    not: ["nregards", "u003e", "ndone"],
  },
];

const ids = SESSIONS.map((s) => s.id);

function recorded(id: string, request: string, response: string) {
  const x = exchange(id);
  x.requestBody = request;
  x.responseBody = response;
  return x;
}

describe.each(await databaseFlavours())("the session text index's words on %s", (flavour) => {
  let opened: Awaited<ReturnType<typeof openTestDatabase>>;
  let db: Database;
  let reader: ExchangeReader;
  // Through the index (a search) and row by row (a tail): the same sessions.
  const found = async (text: string) => {
    const indexed = (await reader.list({ limit: 20, text })).exchanges.map((s) => s.exchange.id).sort();
    const byRow = (await reader.pick(ids, { text })).map((s) => s.exchange.id).sort();
    expect(byRow, `by row: ${text}`).toEqual(indexed);
    return indexed;
  };

  beforeAll(async () => {
    opened = await openTestDatabase(flavour);
    db = opened.db;
    reader = createExchangeReader(db);
    await createExchangeSink(db).commit("edge", SESSIONS.map((s) => recorded(s.id, s.request, s.response)));
  });
  afterAll(async () => { await opened?.close(); });

  it("indexes the words a reader sees, never escape fragments", async () => {
    const indexer = startSearchIndexer({ db, logger: silent });
    try {
      await indexer.caughtUp();
    } finally {
      await indexer.close();
    }
    for (const session of SESSIONS) {
      for (const text of session.finds) expect(await found(text), `${session.id}: ${text}`).toContain(session.id);
      for (const text of session.not) expect(await found(text), `${session.id}: ${text}`).toEqual([]);
    }
  });

  it("re-indexes sessions indexed before the upgrade, in rounds, old words found meanwhile", async () => {
    // The state migration 0025 leaves: vectors of the raw text, the re-index cursor at the start.
    await db.em().execute(`update exchange_search s set vector = ${RAW_SEARCH_VECTOR_SQL} from exchange e where e.id = s.id`);
    await db.em().execute("insert into search_reindex_progress (id, after) values (1, '')");
    expect((await reader.list({ limit: 20, text: "nsecond" })).exchanges.map((s) => s.exchange.id)).toEqual(["escapes"]);
    let rounds = 0;
    for (let more = true; more; rounds++) more = (await db.transaction((tx) => reindexRound(tx, 3))).more;
    // 7 sessions by 3: two full rounds, a third that finds fewer and ends the re-index.
    expect(rounds).toBe(3);
    expect(await db.em().execute("select * from search_reindex_progress")).toEqual([]);
    expect(await found("nsecond")).toEqual([]);
    expect(await found('"second paragraph"')).toEqual(["escapes"]);
  });

  it("has the background indexer run the re-index once new sessions are indexed", async () => {
    await db.em().execute(`update exchange_search s set vector = ${RAW_SEARCH_VECTOR_SQL} from exchange e where e.id = s.id`);
    await db.em().execute("insert into search_reindex_progress (id, after) values (1, '')");
    await createExchangeSink(db).commit("edge", [recorded("after-upgrade", chat("a heron"), "it waded")]);
    const indexer = startSearchIndexer({ db, logger: silent });
    try {
      await indexer.caughtUp();
      await indexer.reindexed();
    } finally {
      await indexer.close();
    }
    expect(await db.em().execute("select * from search_reindex_progress")).toEqual([]);
    expect((await reader.list({ limit: 20, text: "heron" })).exchanges.map((s) => s.exchange.id)).toEqual(["after-upgrade"]);
    expect(await found("u00e9")).toEqual([]);
    expect(await found("café")).toEqual(["non-json", "odd-json", "truncated", "unicode"]);
  });
});

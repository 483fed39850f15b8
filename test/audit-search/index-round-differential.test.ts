// The indexer's round as one statement (search/index-round-sql.ts) against the round it replaced,
// kept here as the reference (the statements search-index.ts ran, and the lag read the indexer
// made after it): on random chains — 'sessions' entries of several sessions, older one-session
// entries, entries of other types, sessions already indexed or since deleted, any watermark, round
// sizes and entry weights that cut a round anywhere — both index the same sessions with the same
// vectors, move the watermark to the same seq, and tell the same count, `more` and lag.
import type { EntityManager } from "@mikro-orm/sql";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuditEventInput, appendAuditEvents, chainHead } from "../../control-plane/audit/audit-log.js";
import { sessionsEvents } from "../../control-plane/audit/session-events.js";
import { indexRound, indexSessions, SEARCH_INDEX_LOCK } from "../../control-plane/search/search-index.js";
import type { Database } from "../../control-plane/storage/database.js";
import { insertExchanges } from "../../control-plane/storage/exchange-insert.js";
import { SEARCH_VECTOR_SQL } from "../../control-plane/storage/migrations/migration-0025-search-decoded-text.js";
import { databaseFlavours, openTestDatabase } from "../support/database.js";
import { legacySessionEvent } from "../support/legacy-session-entries.js";
import { exchange } from "../storage/exchange-fixtures.js";

// The round as search-index.ts ran it before migration 0028 (in the caller's transaction), and the
// lag read after it.
async function referenceRound(tx: EntityManager, roundSessions: number, weight: number) {
  const [lock] = await tx.execute<{ locked: boolean }[]>("select pg_try_advisory_xact_lock(?) as locked", [SEARCH_INDEX_LOCK]);
  let result = { locked: false, indexed: 0, more: false };
  if (lock?.locked === true) {
    result = { locked: true, indexed: 0, more: false };
    const [progress] = await tx.execute<{ seq: string | number }[]>("select seq from search_index_progress where id = 1");
    const from = Number(progress?.seq ?? 0);
    const head = (await chainHead(tx)).seq;
    if (head > from) {
      const entries = await tx.execute<{ seq: string | number; type: string }[]>(
        `select seq, type from audit_log where seq > ? and seq <= ? and type in ('session', 'sessions') order by seq limit ${Math.trunc(roundSessions)}`,
        [from, head],
      );
      let to = head;
      let budget = roundSessions;
      for (const [i, entry] of entries.entries()) {
        budget -= entry.type === "sessions" ? weight : 1;
        if (budget < 0 && i > 0) {
          to = Number(entries[i - 1]!.seq);
          break;
        }
      }
      if (budget >= 0 && entries.length === Math.trunc(roundSessions)) to = Number(entries.at(-1)!.seq);
      const [inserted] = entries.length === 0 ? [] : await tx.execute<{ n: number }[]>(
        `with indexed as (insert into exchange_search (id, vector) select e.id, ${SEARCH_VECTOR_SQL} from exchange e join (
           select a.payload->>'session' as id from audit_log a where a.seq > ? and a.seq <= ? and a.type = 'session'
           union all
           select s.item->>0 from audit_log a, jsonb_array_elements(a.payload->'sessions') as s(item)
           where a.seq > ? and a.seq <= ? and a.type = 'sessions'
         ) named on named.id = e.id
         where not exists (select 1 from exchange_search s where s.id = e.id)
         on conflict (id) do nothing returning 1)
         select count(*)::int as n from indexed`,
        [from, to, from, to],
      );
      await tx.execute("update search_index_progress set seq = ? where id = 1", [to]);
      result = { locked: true, indexed: Number(inserted?.n ?? 0), more: to < head };
    }
  }
  const [row] = await tx.execute<{ watermark: string | number; head: string | number | null; oldest_ms: string | number | null }[]>(
    `select p.seq as watermark, (select max(seq) from audit_log) as head,
       (select (extract(epoch from a.time) * 1000)::bigint from audit_log a where a.seq = p.seq + 1) as oldest_ms
     from search_index_progress p where p.id = 1`,
  );
  const entries = row ? Math.max(0, Number(row.head ?? 0) - Number(row.watermark)) : 0;
  return { ...result, lag: { entries, oldestMs: entries > 0 && row!.oldest_ms !== null ? Number(row!.oldest_ms) : undefined } };
}

// What a round leaves behind: the watermark and every vector.
async function state(tx: EntityManager) {
  const [progress] = await tx.execute<{ seq: string | number }[]>("select seq from search_index_progress where id = 1");
  const vectors = await tx.execute<{ id: string; vector: string }[]>("select id, vector::text as vector from exchange_search order by id");
  return { watermark: Number(progress?.seq), vectors };
}

const step = fc.oneof(
  fc.record({ kind: fc.constant("sessions" as const), sessions: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant("session" as const), sessions: fc.constant(1) }),
  fc.record({ kind: fc.constant("admin" as const), sessions: fc.constant(0) }),
);
const scenario = fc.record({
  steps: fc.array(step, { minLength: 0, maxLength: 10 }),
  // Per session: 0 stored only, 1 indexed already, 2 deleted since (retention).
  fates: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 40, maxLength: 40 }),
  watermark: fc.nat({ max: 4 }),
  roundSessions: fc.integer({ min: 1, max: 5 }),
  weight: fc.integer({ min: 1, max: 3 }),
  heldElsewhere: fc.boolean(),
});

describe.each(await databaseFlavours())("the indexing round as one statement on %s", (flavour) => {
  let opened: Awaited<ReturnType<typeof openTestDatabase>>;
  let db: Database;
  beforeAll(async () => {
    opened = await openTestDatabase(flavour);
    db = opened.db;
  });
  afterAll(async () => { await opened?.close(); });

  it("indexes what the statements it replaced indexed, and tells the same", { timeout: 60_000 }, async () => {
    let run = 0;
    await fc.assert(fc.asyncProperty(scenario, async (s) => {
      run += 1;
      const rollback = new Error("rollback");
      await db.transaction(async (tx) => {
        const base = (await chainHead(tx)).seq;
        let n = 0;
        const time = new Date(Date.UTC(2026, 0, 1) + run * 1000);
        for (const [i, { kind, sessions }] of s.steps.entries()) {
          const items = Array.from({ length: sessions }, () => {
            const x = exchange(`r${run}-${n}`);
            x.responseBody = `word${n % 5} plain ${i}`;
            n += 1;
            return { agent: "edge", exchange: x };
          });
          const rows = items.length === 0 ? [] : await insertExchanges(tx, items, time, db.flavour === "postgres");
          const events: AuditEventInput[] = kind === "sessions" ? sessionsEvents(rows, time)
            : kind === "session" ? rows.map((row) => legacySessionEvent(row, time))
            : [{ type: "admin", subject: "root", time, payload: { action: "apply" } }];
          await appendAuditEvents(tx, events);
        }
        const ids = Array.from({ length: n }, (_, i) => `r${run}-${i}`);
        await indexSessions(tx, ids.filter((_, i) => s.fates[i] === 1));
        const deleted = ids.filter((_, i) => s.fates[i] === 2);
        if (deleted.length > 0) await tx.execute(`delete from exchange where id in (${deleted.map(() => "?").join(", ")})`, deleted);
        await tx.execute("update search_index_progress set seq = ? where id = 1", [base + Math.min(s.watermark, s.steps.length)]);
        // Another replica at it: the round must do nothing (PostgreSQL only: PGlite is one session).
        const other = s.heldElsewhere && db.flavour === "postgres" ? await holdIndexingLock(opened.url!) : undefined;
        try {
          await tx.execute("savepoint before_round");
          const expected = await referenceRound(tx, s.roundSessions, s.weight);
          const expectedState = await state(tx);
          await tx.execute("rollback to savepoint before_round");
          expect(await indexRound(tx, s.roundSessions, s.weight)).toEqual(expected);
          expect(await state(tx)).toEqual(expectedState);
        } finally {
          await other?.();
        }
        throw rollback;
      }).catch((error: unknown) => { if (error !== rollback) throw error; });
    }), { numRuns: 30 });
  });

  it("runs a round through indexRound with the default weight", async () => {
    await db.transaction(async (tx) => {
      const rows = await insertExchanges(tx, [{ agent: "edge", exchange: exchange("by-index-round") }], new Date(), db.flavour === "postgres");
      await appendAuditEvents(tx, sessionsEvents(rows, new Date()));
    });
    const round = await indexRound(db.em());
    expect(round).toMatchObject({ locked: true, more: false, lag: { entries: 0, oldestMs: undefined } });
    expect(round.indexed).toBeGreaterThanOrEqual(1);
    expect(await db.em().execute("select id from exchange_search where id = 'by-index-round'")).toEqual([{ id: "by-index-round" }]);
  });
});

// Takes the indexing lock in a session of its own (as another replica's round would); resolves
// with the function that lets it go.
async function holdIndexingLock(url: string): Promise<() => Promise<void>> {
  const pg = (await import("pg")).default;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query("select pg_advisory_lock($1)", [SEARCH_INDEX_LOCK]);
  return async () => { await client.end(); };
}

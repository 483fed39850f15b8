// The sink inserts a group as new rows first (no ON CONFLICT) and, when an id was stored already or
// repeats in the group, goes again skipping stored ids (storage/exchanges.ts). Against the way it
// replaced — every group inserted with ON CONFLICT DO NOTHING and its inserted rows listed in one
// chain entry, kept here as the reference — on random sequences of batches whose ids repeat across
// and within groups with other content each time: the same acknowledgements, the same rows stored
// (the first content of each id), the same sessions listed by each group's entry, in the same order;
// and the chain verifies. Both run on one database, ids apart by prefix.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { appendAuditEvents } from "../../control-plane/audit/audit-log.js";
import { sessionsEvents } from "../../control-plane/audit/session-events.js";
import { verifyStoredLog } from "../../control-plane/audit/verify-stored-log.js";
import type { Database } from "../../control-plane/storage/database.js";
import { insertExchanges } from "../../control-plane/storage/exchange-insert.js";
import { createExchangeSink } from "../../control-plane/storage/exchanges.js";
import { databaseFlavours, useOpenTestDatabase } from "../support/database.js";
import { exchange } from "./exchange-fixtures.js";

const RUNS = 25;

describe.each(await databaseFlavours())("new rows first on %s", (flavour) => {
  let db: Database;
  useOpenTestDatabase(flavour, (opened) => ({ db } = opened));
  let run = 0;

  // The sessions the chain entries appended by `commit` list (id, connection, start, caller).
  async function listed(commit: () => Promise<unknown>): Promise<string[][]> {
    const [before] = await db.em().execute<{ seq: string | number | null }[]>("select max(seq) as seq from audit_log");
    await commit();
    const entries = await db.em().execute<{ payload: string | { sessions: string[][] } }[]>(
      "select payload from audit_log where seq > ? and type = 'sessions' order by seq", [Number(before?.seq ?? 0)],
    );
    return entries.flatMap((entry) => (typeof entry.payload === "string" ? JSON.parse(entry.payload) : entry.payload).sessions.map((s: string[]) => s.slice(0, 4)));
  }

  it("acknowledges, stores and lists as the ON CONFLICT way did", async () => {
    const sink = createExchangeSink(db);
    // A batch: ids from a small pool (so they repeat), each with a subject marking this sending.
    const batch = fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.constantFrom("alice", "bob", "carol")), { minLength: 1, maxLength: 5 });
    await fc.assert(fc.asyncProperty(fc.array(batch, { minLength: 1, maxLength: 5 }), async (batches) => {
      run += 1;
      for (const sent of batches) {
        const make = (prefix: string) => sent.map(([n, subject]) => exchange(`${prefix}${run}-${n}`, { subject }));
        let newAcks: string[] = [];
        const newListed = await listed(async () => { newAcks = await sink.commit("edge", make("n")); });
        // The reference: the batch inserted with ON CONFLICT, its inserted rows listed in one entry.
        const refAcks = make("r").map((x) => x.id);
        const refListed = await listed(async () => {
          const now = new Date();
          await db.transaction(async (tx) => {
            const rows = await insertExchanges(tx, make("r").map((x) => ({ agent: "edge", exchange: x })), now, flavour === "postgres", false);
            await appendAuditEvents(tx, sessionsEvents(rows, now));
          });
        });
        const unprefixed = (sessions: string[][]) => sessions.map(([id, ...rest]) => [id!.slice(1), ...rest]);
        expect(newAcks.map((id) => id.slice(1))).toEqual(refAcks.map((id) => id.slice(1)));
        expect(unprefixed(newListed)).toEqual(unprefixed(refListed));
      }
      const stored = async (prefix: string) => (await db.em().execute<{ id: string; subject: string }[]>(
        "select id, subject from exchange where id like ? order by id", [`${prefix}${run}-%`],
      )).map((row) => [row.id.slice(1), row.subject]);
      expect(await stored("n")).toEqual(await stored("r"));
    }), { numRuns: RUNS });
    expect((await verifyStoredLog(db)).ok).toBe(true);
  });
});

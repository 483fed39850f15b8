// Appending to the audit chain on each database flavour: gapless seqs, each entry's prev_hash is
// the previous hash, each hash recomputes from the stored fields, and a rolled-back transaction
// leaves no entry behind.
import { describe, expect, it } from "vitest";
import { appendAuditEvents } from "../../control-plane/audit/audit-log.js";
import { entryHash, GENESIS_HASH } from "../../control-plane/audit/audit-entry.js";
import type { Database } from "../../control-plane/storage/database.js";
import { postgresAvailable, useOpenTestDatabase } from "../support/database.js";

interface Row { seq: string | number; time: string; type: string; subject: string; payload: Record<string, never>; prev_hash: string; hash: string }

async function rows(db: Database): Promise<Row[]> {
  return db.em().execute<Row[]>(
    `select seq, to_char(time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as time, type, subject,
     payload, prev_hash, hash from audit_log order by seq`,
  );
}

// PGlite runs the same SQL through the exchange suites (test/storage), which append session events.
const flavour = (await postgresAvailable()) ? "postgres" : "pglite";

describe(`audit append on ${flavour}`, () => {
  let db: Database;
  useOpenTestDatabase(flavour, (opened) => ({ db } = opened));

  it("chains entries across batches and hashes what is stored", async () => {
    const time = new Date(Date.UTC(2026, 10, 29, 18, 0, 0, 123));
    await db.transaction((tx) => appendAuditEvents(tx, [
      { type: "admin", subject: "admin-token:bootstrap", payload: { rpc: "Apply", z: 1, a: [1.5, "x", null] }, time },
      { type: "session", subject: "alice", payload: { session: "s1", nested: { b: true, a: "é" } } },
      // Written directly in JCS by the appender (and sent so to jsonb): must hash as read back.
      { type: "sessions", subject: "", payload: { digestVersion: 3, fields: ["session", "connection", "startedAt", "subject", "digest"], sessions: [["s2", "openai", "2026-11-29T17:00:00.000Z", "é \"x\" \u2028", "ab"], ["s3", "c", "t", "", "cd"]] } },
    ]));
    await db.transaction((tx) => appendAuditEvents(tx, [{ type: "block", subject: "bob", payload: {} }]));
    await db.transaction((tx) => appendAuditEvents(tx, []));
    const stored = await rows(db);
    expect(stored.map((row) => Number(row.seq))).toEqual([1, 2, 3, 4]);
    expect(stored[0]!.time).toBe("2026-11-29T18:00:00.123Z");
    expect(stored[0]!.prev_hash).toBe(GENESIS_HASH);
    for (const [index, row] of stored.entries()) {
      if (index > 0) expect(row.prev_hash).toBe(stored[index - 1]!.hash);
      const { hash, ...fields } = row;
      expect(entryHash({ ...fields, seq: Number(row.seq), type: row.type as "admin" })).toBe(hash);
    }
  });

  it("leaves nothing when the caller's transaction rolls back", async () => {
    const before = (await rows(db)).length;
    await expect(db.transaction(async (tx) => {
      await appendAuditEvents(tx, [{ type: "alert", subject: "carol", payload: { rule: "spike" } }]);
      throw new Error("the change failed");
    })).rejects.toThrow("the change failed");
    expect((await rows(db)).length).toBe(before);
    await db.transaction((tx) => appendAuditEvents(tx, [{ type: "review", subject: "dave", payload: {} }]));
    expect((await rows(db)).map((row) => Number(row.seq))).toEqual([1, 2, 3, 4, 5]);
  });
});

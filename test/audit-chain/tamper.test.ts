// Tampering with the stored log directly in the database, as someone with SQL access would: each
// edit is found by verification, which names the first broken seq; undoing it makes the log whole.
// The chain mixes what older versions wrote (one 'session' entry per session) with what is written
// now (one 'sessions' entry per commit, listing its sessions): both must keep catching edits.
import { generateKeyPair, exportJWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAuditEvents } from "../../control-plane/audit/audit-log.js";
import { signCheckpoint } from "../../control-plane/audit/checkpoint-token.js";
import { writeCheckpoint } from "../../control-plane/audit/checkpointer.js";
import { verifyStoredLog } from "../../control-plane/audit/verify-stored-log.js";
import type { Database } from "../../control-plane/storage/database.js";
import { insertExchanges } from "../../control-plane/storage/exchange-insert.js";
import { createExchangeSink } from "../../control-plane/storage/exchanges.js";
import { openTestDatabase, postgresAvailable } from "../support/database.js";
import { legacySessionEvent } from "../support/legacy-session-entries.js";
import { exchange } from "../storage/exchange-fixtures.js";

const flavour = (await postgresAvailable()) ? "postgres" : "pglite";

describe(`tampering with the audit log on ${flavour}`, () => {
  let opened: Awaited<ReturnType<typeof openTestDatabase>>;
  let db: Database;
  const sql = (text: string, params: unknown[] = []) => db.em().execute(text, params);
  const firstBroken = async () => (await verifyStoredLog(db)).firstBroken;
  // Runs `edit`, expects the first break it causes, runs `undo`, expects a whole log again.
  const caught = async (edit: string, broken: unknown, undo: string) => {
    await sql(edit);
    expect(await firstBroken()).toEqual(broken);
    await sql(undo);
    expect((await verifyStoredLog(db)).ok).toBe(true);
  };

  beforeAll(async () => {
    opened = await openTestDatabase(flavour);
    db = opened.db;
    // seq 1-10: an older chain's 'session' entries (a0-a9), 11 admin; then one 'sessions' entry per
    // commit: 12 (b0-b9, checkpoint at 12), 13 (c0-c8; a0 resent adds nothing), 14 (d0-d4, checkpoint at 14).
    await db.transaction(async (tx) => {
      const now = new Date();
      const rows = await insertExchanges(tx, Array.from({ length: 10 }, (_, i) => ({ agent: "edge-1", exchange: exchange(`a${i}`) })), now);
      await appendAuditEvents(tx, rows.map((row) => legacySessionEvent(row, now)));
    });
    await db.transaction((tx) => appendAuditEvents(tx, [{ type: "admin", subject: "admin-token:bootstrap", payload: { rpc: "Apply", resources: ["Connection/openai"] } }]));
    const sink = createExchangeSink(db);
    await sink.commit("edge-2", Array.from({ length: 10 }, (_, i) => exchange(`b${i}`, { subject: "bob" })));
    await writeCheckpoint(db);
    await sink.commit("edge-1", [...Array.from({ length: 9 }, (_, i) => exchange(`c${i}`)), exchange("a0")]);
    await sink.commit("edge-1", Array.from({ length: 5 }, (_, i) => exchange(`d${i}`, { subject: "dora" })));
    await writeCheckpoint(db);
  }, 60_000);
  afterAll(async () => {
    await opened?.close();
  });

  it("starts out whole, listing every stored exchange once (a resend adds none)", async () => {
    const report = await verifyStoredLog(db);
    expect(report).toMatchObject({ ok: true, entriesChecked: 14, checkpointsChecked: 2 });
    const kinds = await sql(`select type, count(*)::int as entries, sum(case when type = 'sessions' then jsonb_array_length(payload->'sessions') else 1 end)::int as sessions
      from audit_log group by type order by type`);
    expect(kinds).toEqual([
      { type: "admin", entries: 1, sessions: 1 }, { type: "session", entries: 10, sessions: 10 }, { type: "sessions", entries: 3, sessions: 24 },
    ]);
    const [listed] = await sql("select payload->'sessions'->1 as second, subject from audit_log where seq = 12") as Array<{ second: unknown; subject: string }>;
    expect(listed).toMatchObject({ subject: "", second: ["b1", "openai", "2026-01-01T12:00:00.000Z", "bob", expect.stringMatching(/^[0-9a-f]{64}$/)] });
  });

  it("finds an edited exchange row at the entry that lists it", async () => {
    await caught("update exchange set response_body = 'I never said that' where id = 'a3'",
      { seq: 4, problem: "entry 4: session a3 was changed after it was recorded" },
      "update exchange set response_body = 'Hello there' where id = 'a3'");
    await caught("update exchange set response_body = 'I never said that' where id = 'b3'",
      { seq: 12, problem: "entry 12: session b3 was changed after it was recorded" },
      "update exchange set response_body = 'Hello there' where id = 'b3'");
    await caught("update exchange set model = 'gpt-other' where id = 'd4'",
      { seq: 14, problem: "entry 14: session d4 was changed after it was recorded" },
      "update exchange set model = 'gpt-test' where id = 'd4'");
  });

  it("finds a deleted exchange row", async () => {
    for (const [id, seq] of [["a4", 5], ["c2", 13]] as const) {
      const [saved] = await sql("select row_to_json(e)::text as row from exchange e where id = ?", [id]) as Array<{ row: string }>;
      await sql("delete from exchange where id = ?", [id]);
      expect(await firstBroken()).toEqual({ seq, problem: `entry ${seq}: session ${id} is missing from the exchange table` });
      await sql("insert into exchange select * from json_populate_record(null::exchange, ?::json)", [saved!.row]);
      expect((await verifyStoredLog(db)).ok).toBe(true);
    }
  });

  it("finds a session removed from, changed in, moved within or moved between commits' entries", async () => {
    const saved = await sql("select seq, payload::text as payload from audit_log where seq in (13, 14)") as Array<{ seq: string | number; payload: string }>;
    const restore = async () => {
      for (const row of saved) await sql("update audit_log set payload = ?::jsonb where seq = ?", [row.payload, row.seq]);
      expect((await verifyStoredLog(db)).ok).toBe(true);
    };
    const hashBroken = (seq: number) => ({ seq, problem: `entry ${seq}: hash does not match its contents (edited or moved)` });
    // Removed: entry 13 no longer lists c4 (its exchange row stays).
    await sql("update audit_log set payload = payload #- '{sessions,4}' where seq = 13");
    expect(await firstBroken()).toEqual(hashBroken(13));
    await restore();
    // A digest changed to that of an edited row.
    await sql(`update audit_log set payload = jsonb_set(payload, '{sessions,2,4}', to_jsonb(repeat('0', 64))) where seq = 14`);
    expect(await firstBroken()).toEqual(hashBroken(14));
    await restore();
    // Two sessions of one commit swapped.
    await sql(`update audit_log set payload = jsonb_set(jsonb_set(payload, '{sessions,0}', payload->'sessions'->1), '{sessions,1}', payload->'sessions'->0) where seq = 13`);
    expect(await firstBroken()).toEqual(hashBroken(13));
    await restore();
    // Moved from commit 13 to commit 14.
    await sql(`update audit_log set payload = jsonb_set(payload, '{sessions}', (payload->'sessions') || (select a.payload->'sessions'->0 from audit_log a where a.seq = 13)) where seq = 14`);
    await sql("update audit_log set payload = payload #- '{sessions,0}' where seq = 13");
    expect(await firstBroken()).toEqual(hashBroken(13));
    await restore();
    // A session's caller changed.
    await sql(`update audit_log set payload = jsonb_set(payload, '{sessions,3,3}', '"mallory"') where seq = 14`);
    expect(await firstBroken()).toEqual(hashBroken(14));
    await restore();
  });

  it("finds a deleted audit_log row", async () => {
    for (const seq of [5, 13]) {
      const [row] = await sql("select * from audit_log where seq = ?", [seq]);
      await sql("delete from audit_log where seq = ?", [seq]);
      expect(await firstBroken()).toEqual({ seq, problem: `entry ${seq} is missing (the next entry is ${seq + 1})` });
      const r = row as Record<string, unknown>;
      await sql("insert into audit_log values (?, ?, ?, ?, ?::jsonb, ?, ?)", [r.seq, r.time, r.type, r.subject, JSON.stringify(r.payload), r.prev_hash, r.hash]);
      expect((await verifyStoredLog(db)).ok).toBe(true);
    }
  });

  it("finds two reordered rows at the first of them", async () => {
    for (const [a, b] of [[7, 8], [12, 13]]) {
      const swap = async () => {
        await sql("update audit_log set seq = -1 where seq = ?", [a]);
        await sql("update audit_log set seq = ? where seq = ?", [a, b]);
        await sql("update audit_log set seq = ? where seq = -1", [b]);
      };
      await swap();
      expect(await firstBroken()).toMatchObject({ seq: a });
      await swap();
      expect((await verifyStoredLog(db)).ok).toBe(true);
    }
  });

  it("finds an edited payload, subject or time", async () => {
    await caught(`update audit_log set payload = jsonb_set(payload, '{resources}', '["Connection/other"]') where seq = 11`,
      { seq: 11, problem: "entry 11: hash does not match its contents (edited or moved)" },
      `update audit_log set payload = jsonb_set(payload, '{resources}', '["Connection/openai"]') where seq = 11`);
    await caught("update audit_log set subject = 'mallory' where seq = 12", { seq: 12, problem: "entry 12: hash does not match its contents (edited or moved)" },
      "update audit_log set subject = '' where seq = 12");
    await caught("update audit_log set subject = 'mallory' where seq = 6", { seq: 6, problem: "entry 6: hash does not match its contents (edited or moved)" },
      "update audit_log set subject = 'alice' where seq = 6");
    const [{ time }] = await sql("select time from audit_log where seq = 13") as Array<{ time: Date }>;
    await sql("update audit_log set time = time + interval '1 second' where seq = 13");
    expect(await firstBroken()).toMatchObject({ seq: 13 });
    await sql("update audit_log set time = ? where seq = 13", [time]);
    expect((await verifyStoredLog(db)).ok).toBe(true);
  });

  it("finds an entry whose hash checks but whose sessions payload does not have its shape", async () => {
    // Only someone rewriting the chain writes one; appended after the last checkpoint, the shape check names it.
    await db.transaction((tx) => appendAuditEvents(tx, [{ type: "sessions", subject: "", payload: { digestVersion: 3, fields: ["session"], sessions: [["x"]] } }]));
    expect(await firstBroken()).toEqual({ seq: 15, problem: "entry 15: a sessions entry without digestVersion, the fields session, connection, startedAt, subject, digest or sessions" });
    await sql("delete from audit_log where seq = 15");
    const fields = ["session", "connection", "startedAt", "subject", "digest"];
    await db.transaction((tx) => appendAuditEvents(tx, [{ type: "sessions", subject: "", payload: { digestVersion: 3, fields, sessions: [["x", "openai"]] } }]));
    expect(await firstBroken()).toEqual({ seq: 15, problem: "entry 15: session 1 is not 5 strings" });
    await sql("delete from audit_log where seq = 15");
    expect((await verifyStoredLog(db)).ok).toBe(true);
  });

  it("finds a chain rewritten consistently after an edit at the checkpoint that covers it", async () => {
    const saved = await sql("select seq, payload, prev_hash, hash from audit_log where seq >= 11 order by seq");
    const { entryHash } = await import("../../control-plane/audit/audit-entry.js");
    const { readEntries } = await import("../../control-plane/audit/audit-store.js");
    // A session taken out of a commit's entry, its row deleted, every hash after it recomputed.
    await sql("update audit_log set payload = payload #- '{sessions,3}' where seq = 12");
    await sql("delete from exchange where id = 'b3'");
    let prev: string | undefined;
    for await (const page of readEntries(db.em(), { from: 12 })) {
      for (const entry of page) {
        const fixed = { ...entry, prev_hash: prev ?? entry.prev_hash };
        prev = entryHash(fixed);
        await sql("update audit_log set prev_hash = ?, hash = ? where seq = ?", [fixed.prev_hash, prev, entry.seq]);
      }
    }
    expect(await firstBroken()).toEqual({ seq: 12, problem: "entry 12 does not match the signed checkpoint at its seq" });
    for (const r of saved as Array<Record<string, unknown>>) {
      await sql("update audit_log set payload = ?::jsonb, prev_hash = ?, hash = ? where seq = ?", [JSON.stringify(r.payload), r.prev_hash, r.hash, r.seq]);
    }
    expect(await firstBroken()).toEqual({ seq: 12, problem: "entry 12: session b3 is missing from the exchange table" });
    await db.transaction(async (tx) => { await insertExchanges(tx, [{ agent: "edge-2", exchange: exchange("b3", { subject: "bob" }) }], new Date(0)); });
    // Re-inserted, but not as committed (committed_at differs): still not the recorded row.
    expect(await firstBroken()).toEqual({ seq: 12, problem: "entry 12: session b3 was changed after it was recorded" });
    const [other] = await sql("select committed_at from exchange where id = 'b2'") as Array<{ committed_at: Date }>;
    await sql("update exchange set committed_at = ? where id = 'b3'", [other!.committed_at]);
    expect((await verifyStoredLog(db)).ok).toBe(true);
  });

  it("finds a forged or altered checkpoint", async () => {
    const { privateKey } = await generateKeyPair("ES256", { extractable: true });
    const [head] = await sql("select hash from audit_log where seq = 13") as Array<{ hash: string }>;
    const claims = { seq: 13, hash: head!.hash, count: 13, time: new Date().toISOString() };
    const jws = await signCheckpoint(claims, "forger", await exportJWK(privateKey));
    await sql("insert into audit_checkpoint values (?, ?, ?, ?, ?, ?)", [13, claims.hash, 13, claims.time, "forger", jws]);
    expect(await firstBroken()).toEqual({ seq: 13, problem: "checkpoint at seq 13 is signed by unknown key forger" });
    await sql("update audit_checkpoint set kid = (select kid from audit_signing_key limit 1) where seq = 13");
    // Relabelled with the real key's id, it fails the real key's signature check.
    expect(await firstBroken()).toEqual({ seq: 13, problem: "checkpoint at seq 13: signature does not verify" });
    await sql("delete from audit_checkpoint where seq = 13");
    await sql("update audit_checkpoint set count = 11 where seq = 12");
    expect(await firstBroken()).toEqual({ seq: 12, problem: "checkpoint at seq 12: signed count differs from the stored one" });
    await sql("update audit_checkpoint set count = 12 where seq = 12");
    expect((await verifyStoredLog(db)).ok).toBe(true);
  });

  it("finds a cut tail below the last checkpoint", async () => {
    const saved = await sql("select * from audit_log where seq >= 13 order by seq") as Array<Record<string, unknown>>;
    await sql("delete from audit_log where seq >= 13");
    expect(await firstBroken()).toEqual({ seq: 13, problem: "entries 13..14 are missing (the log ends at 12)" });
    for (const r of saved) {
      await sql("insert into audit_log values (?, ?, ?, ?, ?::jsonb, ?, ?)", [r.seq, r.time, r.type, r.subject, JSON.stringify(r.payload), r.prev_hash, r.hash]);
    }
    expect((await verifyStoredLog(db)).ok).toBe(true);
  });

  it("verifies a range and names breaks inside it only", async () => {
    await sql("update audit_log set subject = 'mallory' where seq = 3");
    expect(await verifyStoredLog(db, { from: 10, to: 13 })).toMatchObject({ ok: true, entriesChecked: 4, checkpointsChecked: 1 });
    expect((await verifyStoredLog(db, { from: 2, to: 13 })).firstBroken?.seq).toBe(3);
    await sql("update audit_log set subject = 'alice' where seq = 3");
  });
});

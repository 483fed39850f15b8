// Tampering with the stored log directly in the database, as someone with SQL access would: each
// edit is found by verification, which names the first broken seq; undoing it makes the log whole.
import { generateKeyPair, exportJWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAuditEvents } from "../../control-plane/audit/audit-log.js";
import { signCheckpoint } from "../../control-plane/audit/checkpoint-token.js";
import { writeCheckpoint } from "../../control-plane/audit/checkpointer.js";
import { verifyStoredLog } from "../../control-plane/audit/verify-stored-log.js";
import type { Database } from "../../control-plane/storage/database.js";
import { createExchangeSink } from "../../control-plane/storage/exchanges.js";
import { openTestDatabase, postgresAvailable } from "../support/database.js";
import { exchange } from "../storage/exchange-fixtures.js";

const flavour = (await postgresAvailable()) ? "postgres" : "pglite";

describe(`tampering with the audit log on ${flavour}`, () => {
  let opened: Awaited<ReturnType<typeof openTestDatabase>>;
  let db: Database;
  const sql = (text: string, params: unknown[] = []) => db.em().execute(text, params);
  const firstBroken = async () => (await verifyStoredLog(db)).firstBroken;

  beforeAll(async () => {
    opened = await openTestDatabase(flavour);
    db = opened.db;
    const sink = createExchangeSink(db);
    // seq 1-10 sessions, 11 admin, 12-21 sessions (checkpoint at 21), 22-30 sessions (checkpoint at 30).
    await sink.commit("edge-1", Array.from({ length: 10 }, (_, i) => exchange(`a${i}`)));
    await db.transaction((tx) => appendAuditEvents(tx, [{ type: "admin", subject: "admin-token:bootstrap", payload: { rpc: "Apply", resources: ["Connection/openai"] } }]));
    await sink.commit("edge-2", Array.from({ length: 10 }, (_, i) => exchange(`b${i}`, { subject: "bob" })));
    await writeCheckpoint(db);
    await sink.commit("edge-1", [...Array.from({ length: 9 }, (_, i) => exchange(`c${i}`)), exchange("a0")]);
    await writeCheckpoint(db);
  }, 60_000);
  afterAll(async () => {
    await opened?.close();
  });

  it("starts out whole, with one session entry per stored exchange (a resend adds none)", async () => {
    const report = await verifyStoredLog(db);
    expect(report).toMatchObject({ ok: true, entriesChecked: 30, checkpointsChecked: 2 });
    const sessions = await sql("select count(*)::int as n from audit_log where type = 'session'");
    expect(sessions).toEqual([{ n: 29 }]);
  });

  it("finds an edited exchange row at its session entry", async () => {
    await sql("update exchange set response_body = 'I never said that' where id = 'b3'");
    expect(await firstBroken()).toEqual({ seq: 15, problem: "entry 15: session b3 was changed after it was recorded" });
    await sql("update exchange set response_body = 'Hello there' where id = 'b3'");
    expect((await verifyStoredLog(db)).ok).toBe(true);
  });

  it("finds a deleted exchange row", async () => {
    const [saved] = await sql("select row_to_json(e)::text as row from exchange e where id = 'a4'") as Array<{ row: string }>;
    await sql("delete from exchange where id = 'a4'");
    expect(await firstBroken()).toEqual({ seq: 5, problem: "entry 5: session a4 is missing from the exchange table" });
    await sql("insert into exchange select * from json_populate_record(null::exchange, ?::json)", [saved!.row]);
    expect((await verifyStoredLog(db)).ok).toBe(true);
  });

  it("finds a deleted audit_log row", async () => {
    const [row] = await sql("select * from audit_log where seq = 5");
    await sql("delete from audit_log where seq = 5");
    expect(await firstBroken()).toEqual({ seq: 5, problem: "entry 5 is missing (the next entry is 6)" });
    const r = row as Record<string, unknown>;
    await sql("insert into audit_log values (?, ?, ?, ?, ?::jsonb, ?, ?)", [r.seq, r.time, r.type, r.subject, JSON.stringify(r.payload), r.prev_hash, r.hash]);
    expect((await verifyStoredLog(db)).ok).toBe(true);
  });

  it("finds two reordered rows at the first of them", async () => {
    const swap = async () => {
      await sql("update audit_log set seq = -1 where seq = 7");
      await sql("update audit_log set seq = 7 where seq = 8");
      await sql("update audit_log set seq = 8 where seq = -1");
    };
    await swap();
    expect(await firstBroken()).toMatchObject({ seq: 7 });
    await swap();
    expect((await verifyStoredLog(db)).ok).toBe(true);
  });

  it("finds an edited payload, subject or time", async () => {
    await sql(`update audit_log set payload = jsonb_set(payload, '{resources}', '["Connection/other"]') where seq = 11`);
    expect(await firstBroken()).toEqual({ seq: 11, problem: "entry 11: hash does not match its contents (edited or moved)" });
    await sql(`update audit_log set payload = jsonb_set(payload, '{resources}', '["Connection/openai"]') where seq = 11`);
    await sql("update audit_log set subject = 'mallory' where seq = 12");
    expect(await firstBroken()).toMatchObject({ seq: 12 });
    await sql("update audit_log set subject = 'bob' where seq = 12");
    expect((await verifyStoredLog(db)).ok).toBe(true);
  });

  it("finds a chain rewritten consistently after an edit at the checkpoint that covers it", async () => {
    const saved = await sql("select seq, payload, prev_hash, hash from audit_log where seq >= 11 order by seq");
    const { entryHash } = await import("../../control-plane/audit/audit-entry.js");
    const { readEntries } = await import("../../control-plane/audit/audit-store.js");
    await sql(`update audit_log set payload = '{"rpc":"Apply","resources":["Connection/forged"]}' where seq = 11`);
    let prev: string | undefined;
    for await (const page of readEntries(db.em(), { from: 11 })) {
      for (const entry of page) {
        const fixed = { ...entry, prev_hash: prev ?? entry.prev_hash };
        prev = entryHash(fixed);
        await sql("update audit_log set prev_hash = ?, hash = ? where seq = ?", [fixed.prev_hash, prev, entry.seq]);
      }
    }
    expect(await firstBroken()).toEqual({ seq: 21, problem: "entry 21 does not match the signed checkpoint at its seq" });
    for (const r of saved as Array<Record<string, unknown>>) {
      await sql("update audit_log set payload = ?::jsonb, prev_hash = ?, hash = ? where seq = ?", [JSON.stringify(r.payload), r.prev_hash, r.hash, r.seq]);
    }
    expect((await verifyStoredLog(db)).ok).toBe(true);
  });

  it("finds a forged or altered checkpoint", async () => {
    const { privateKey } = await generateKeyPair("ES256", { extractable: true });
    const [head] = await sql("select hash from audit_log where seq = 25") as Array<{ hash: string }>;
    const claims = { seq: 25, hash: head!.hash, count: 25, time: new Date().toISOString() };
    const jws = await signCheckpoint(claims, "forger", await exportJWK(privateKey));
    await sql("insert into audit_checkpoint values (?, ?, ?, ?, ?, ?)", [25, claims.hash, 25, claims.time, "forger", jws]);
    expect(await firstBroken()).toEqual({ seq: 25, problem: "checkpoint at seq 25 is signed by unknown key forger" });
    await sql("update audit_checkpoint set kid = (select kid from audit_signing_key limit 1) where seq = 25");
    // Relabelled with the real key's id, it fails the real key's signature check.
    expect(await firstBroken()).toEqual({ seq: 25, problem: "checkpoint at seq 25: signature does not verify" });
    await sql("delete from audit_checkpoint where seq = 25");
    await sql("update audit_checkpoint set count = 20 where seq = 21");
    expect(await firstBroken()).toEqual({ seq: 21, problem: "checkpoint at seq 21: signed count differs from the stored one" });
    await sql("update audit_checkpoint set count = 21 where seq = 21");
    expect((await verifyStoredLog(db)).ok).toBe(true);
  });

  it("finds a cut tail below the last checkpoint", async () => {
    const saved = await sql("select * from audit_log where seq >= 28 order by seq") as Array<Record<string, unknown>>;
    await sql("delete from audit_log where seq >= 28");
    expect(await firstBroken()).toEqual({ seq: 28, problem: "entries 28..30 are missing (the log ends at 27)" });
    for (const r of saved) {
      await sql("insert into audit_log values (?, ?, ?, ?, ?::jsonb, ?, ?)", [r.seq, r.time, r.type, r.subject, JSON.stringify(r.payload), r.prev_hash, r.hash]);
    }
    expect((await verifyStoredLog(db)).ok).toBe(true);
  });

  it("verifies a range and names breaks inside it only", async () => {
    await sql("update audit_log set subject = 'mallory' where seq = 3");
    expect(await verifyStoredLog(db, { from: 10, to: 20 })).toMatchObject({ ok: true, entriesChecked: 11, checkpointsChecked: 0 });
    expect((await verifyStoredLog(db, { from: 2, to: 20 })).firstBroken?.seq).toBe(3);
    await sql("update audit_log set subject = 'alice' where seq = 3");
  });
});

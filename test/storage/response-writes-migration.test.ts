// Migration 0026 on both engines, on a database written by the code before it: a session stored
// with its writes in `response_chunks` (jsonb) and listed in the chain under digest version 4 keeps
// verifying after the upgrade and reads back with its writes; new sessions go to `response_writes`.
import { create } from "@bufbuild/protobuf";
import type { EntityManager } from "@mikro-orm/sql";
import { describe, expect, it } from "vitest";
import { RecordedBodies, ResponseChunkSchema } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { appendAuditEvents } from "../../control-plane/audit/audit-log.js";
import { exchangeDigestSql } from "../../control-plane/audit/exchange-digest.js";
import { type InsertedExchange, SESSION_EVENT_COLUMNS, SESSIONS_FIELDS } from "../../control-plane/audit/session-events.js";
import { verifyStoredLog } from "../../control-plane/audit/verify-stored-log.js";
import { openDatabase } from "../../control-plane/storage/database.js";
import { createExchangeReader, createExchangeSink } from "../../control-plane/storage/exchanges.js";
import { databaseFlavours } from "../support/database.js";
import { migrationOrm } from "../support/migration-orm.js";
import { exchange } from "./exchange-fixtures.js";


describe.each(await databaseFlavours())("migration 0026 on %s", (flavour) => {
  it("keeps a session stored before it verifying and readable", { timeout: 120_000 }, async () => {
    const { database, orm } = await migrationOrm(flavour);
    try {
      await orm.migrator.up({ to: "0025-search-decoded-text" });
      const em = orm.em.fork() as EntityManager;
      await em.transactional(async (tx) => {
        const rows = await tx.execute<InsertedExchange[]>(`insert into exchange (id, agent, connection, subject, method, path, model,
            stream, status, verdict, reason, request_body, response_body, request_truncated, response_truncated, started_at, error,
            recorded_bodies, response_chunks)
          values ('before-0026', 'edge', 'openai', 'alice', 'POST', '/v1/chat/completions', 'gpt-test', true, 200, 1, '', '{}',
            'hi', false, false, '2026-01-01T12:00:00Z', '', ${RecordedBodies.RAW}, '[{"ns": 5, "data": "data: \\"hi\\"\\n\\n"}]')
          returning ${SESSION_EVENT_COLUMNS.replace(exchangeDigestSql(), exchangeDigestSql(4))}`);
        await appendAuditEvents(tx, [{ type: "sessions", subject: "", payload: {
          digestVersion: 4, fields: [...SESSIONS_FIELDS], sessions: rows.map((r) => [r.id, r.connection, r.started_at, r.subject ?? "", r.digest]),
        } }]);
      });
      await orm.migrator.up();
      const db = database.url ? await openDatabase({ databaseUrl: database.url }) : undefined;
      try {
        if (db) {
          const fresh = exchange("after-0026");
          fresh.recordedBodies = RecordedBodies.RAW;
          fresh.responseChunks = [create(ResponseChunkSchema, { offset: { seconds: 0n, nanos: 9 }, data: "new" })];
          await createExchangeSink(db).commit("edge", [fresh]);
          expect((await verifyStoredLog(db)).ok).toBe(true);
          expect((await createExchangeReader(db).get("after-0026"))!.exchange.responseChunks).toEqual(fresh.responseChunks);
        }
        const [old] = await em.execute<{ writes: unknown; chunks: unknown }[]>("select response_writes as writes, response_chunks as chunks from exchange where id = 'before-0026'");
        expect(old!.writes).toBeNull();
        expect(old!.chunks).not.toBeNull();
        if (db) {
          expect((await createExchangeReader(db).get("before-0026"))!.exchange.responseChunks)
            .toEqual([create(ResponseChunkSchema, { offset: { seconds: 0n, nanos: 5 }, data: 'data: "hi"\n\n' })]);
        }
      } finally {
        await db?.close();
      }
    } finally {
      await orm.close(true);
      await database.close();
    }
  });
});

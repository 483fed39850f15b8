// Migration 0021 on both engines: sessions stored before it are put in the new text index, once,
// and the indexer's watermark starts at the chain's head, so nothing is missed or indexed twice.
// Migration 0025 then leaves those sessions' vectors in place and asks for their re-index.
import type { EntityManager } from "@mikro-orm/sql";
import { describe, expect, it } from "vitest";
import { appendAuditEvents } from "../../control-plane/audit/audit-log.js";
import { legacySessionEvent } from "../support/legacy-session-entries.js";
import { exchangeDigestSql } from "../../control-plane/audit/exchange-digest.js";
import { type InsertedExchange, SESSION_EVENT_COLUMNS } from "../../control-plane/audit/session-events.js";
import { databaseFlavours } from "../support/database.js";
import { migrationOrm } from "../support/migration-orm.js";


describe.each(await databaseFlavours())("migration 0021 on %s", (flavour) => {
  // Migrating a PGlite database from scratch takes a while on a busy machine.
  it("indexes the sessions stored before it and starts the watermark at the head", { timeout: 120_000 }, async () => {
    const { database, orm } = await migrationOrm(flavour);
    try {
      await orm.migrator.up({ to: "0020-cached-tokens" });
      const em = orm.em.fork() as EntityManager;
      await em.transactional(async (tx) => {
        // A row as the code of that schema wrote it (today's insert writes columns added later).
        const rows = await tx.execute<InsertedExchange[]>(`insert into exchange (id, agent, connection, subject, method, path, model,
            stream, status, verdict, reason, request_body, response_body, request_truncated, response_truncated, started_at, error)
          values ('before-0021', 'edge', 'openai', 'alice', 'POST', '/v1/chat/completions', 'gpt-test', false, 200, 1, '', '{}',
            'an old cormorant', false, false, '2026-01-01T12:00:00Z', '')
          returning ${SESSION_EVENT_COLUMNS.replace(exchangeDigestSql(), exchangeDigestSql(3))}`);
        await appendAuditEvents(tx as EntityManager, rows.map((row) => legacySessionEvent(row, new Date())));
      });
      await orm.migrator.up();
      const found = await em.execute<{ id: string }[]>(
        "select id from exchange_search where vector @@ websearch_to_tsquery('simple', 'cormorant')",
      );
      expect(found).toEqual([{ id: "before-0021" }]);
      const [progress] = await em.execute<{ seq: string | number }[]>("select seq from search_index_progress");
      expect(Number(progress?.seq)).toBe(1);
      const [old] = await em.execute<{ n: number }[]>("select count(*)::int as n from pg_indexes where indexname = 'exchange_search_idx'");
      expect(old?.n).toBe(0);
      expect(await em.execute("select after from search_reindex_progress")).toEqual([{ after: "" }]);
    } finally {
      await orm.close(true);
      await database.close();
    }
  });
});

// The exchange row digest of version 4 (framed text) against version 3 (a jsonb array), which it
// replaced (version 5: the same, and the stream's writes as stored since migration 0026): on any two rows, the two versions must agree on whether the rows are
// the same (v3 is the reference of what counts as a change), and rows committed under v3 before
// an upgrade keep verifying, and keep catching edits, beside rows committed under v4.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendAuditEvents } from "../../control-plane/audit/audit-log.js";
import { exchangeDigestColumns, exchangeDigestSql, EXCHANGE_DIGEST_VERSION } from "../../control-plane/audit/exchange-digest.js";
import { SESSIONS_FIELDS } from "../../control-plane/audit/session-events.js";
import { verifyStoredLog } from "../../control-plane/audit/verify-stored-log.js";
import type { Database } from "../../control-plane/storage/database.js";
import { insertExchanges } from "../../control-plane/storage/exchange-insert.js";
import { createExchangeSink } from "../../control-plane/storage/exchanges.js";
import { databaseFlavours, openTestDatabase } from "../support/database.js";
import { exchange } from "../storage/exchange-fixtures.js";

const RUNS = 40;

// Values from small pools heavy in what a framing could confuse (separators, digits, empty, NULL),
// so that rows equal in some columns and framings that would collide both come up often.
const text = fc.constantFrom<string | null>(null, "", ":", "1:", "0:", ";", "|", "a", "1", "a:1", "é", "1:a");
const notNullText = fc.constantFrom("", ":", "1:", ";", "|", "a", "1", "1:a", "é");
const number = fc.constantFrom<number | null>(null, 0, 1, 10, -1);
const notNullJson = fc.constantFrom("[]", '[""]', '[":"]', '["|"]', '["a", "1"]', '{"a": 1}', "1", "12", "2", '"|"');
const json = fc.oneof(fc.constant(null), notNullJson);
const row = fc.record({
  subject: text, email: text, issuer: text, reason: notNullText, error: notNullText, policy: notNullText,
  request_body: notNullText, response_body: notNullText, prompt_tokens: number, total_tokens: number,
  stream: fc.boolean(), groups: json, mask_policies: notNullJson, response_chunks: json,
});
type Row = Record<string, unknown>;

// The rest of a row: every NOT NULL column without a default, and committed_at (its default is
// the transaction's time, which would tell rows inserted apart).
const BASE: Row = {
  id: "s", agent: "edge", connection: "openai", method: "POST", path: "/v1", model: "m", status: 200, verdict: 1,
  started_at: "2026-01-01T00:00:00Z", committed_at: "2026-01-01T00:00:01Z", reason: "", error: "",
  request_body: "", response_body: "", stream: false, request_truncated: false, response_truncated: false,
};

for (const flavour of await databaseFlavours()) {
  describe(`exchange digest version 4 on ${flavour}`, () => {
    let opened: Awaited<ReturnType<typeof openTestDatabase>>;
    let db: Database;
    const sql = <T>(text: string, params: unknown[] = []) => db.em().execute<T[]>(text, params);
    const probe = async (rows: readonly Row[]) => {
      await sql("delete from digest_probe");
      for (const values of rows) {
        const columns = Object.keys({ ...BASE, ...values });
        await sql(`insert into digest_probe (${columns.join(", ")}) values (${columns.map(() => "?").join(", ")})`,
          columns.map((column) => ({ ...BASE, ...values })[column]));
      }
      return sql<{ v3: string; v4: string; v5: string }>(`select ${exchangeDigestSql(3)} as v3, ${exchangeDigestSql(4)} as v4, ${exchangeDigestSql(5)} as v5 from digest_probe`);
    };

    beforeAll(async () => {
      opened = await openTestDatabase(flavour);
      db = opened.db;
      await sql("create table digest_probe (like exchange including defaults)");
    }, 60_000);
    afterAll(async () => {
      await opened?.close();
    });

    it("covers the columns of version 3, in order; version 5 adds response_writes, version 6 usage_estimated and is what new entries carry", () => {
      expect(EXCHANGE_DIGEST_VERSION).toBe(6);
      expect(exchangeDigestColumns(4)).toEqual(exchangeDigestColumns(3));
      expect(exchangeDigestColumns(5)).toEqual([...exchangeDigestColumns(3)!, "response_writes"]);
      expect(exchangeDigestColumns(6)).toEqual([...exchangeDigestColumns(5)!, "usage_estimated"]);
    });

    it("version 6 tells apart rows that differ only in usage_estimated, NULL included", async () => {
      await probe([{}, { usage_estimated: false }, { usage_estimated: true }]);
      const v5 = await sql<{ v5: string }>(`select ${exchangeDigestSql(5)} as v5 from digest_probe`);
      expect(new Set(v5.map((r) => r.v5)).size).toBe(1);
      const v6 = await sql<{ v6: string }>(`select ${exchangeDigestSql(6)} as v6 from digest_probe`);
      expect(new Set(v6.map((r) => r.v6)).size).toBe(3);
    });

    it("version 5 tells apart rows that differ only in response_writes, NULL included", async () => {
      const rows = await probe([{}, { response_writes: "\\x" }, { response_writes: "\\x00" }, { response_writes: "\\x0000" }, { response_writes: "\\x3b" }]);
      expect(new Set(rows.map((r) => r.v3)).size).toBe(1);
      const v5 = await sql<{ v5: string }>(`select ${exchangeDigestSql(5)} as v5 from digest_probe`);
      expect(new Set(v5.map((r) => r.v5)).size).toBe(5);
    });

    it("tells two rows apart exactly when version 3 does", async () => {
      await fc.assert(fc.asyncProperty(row, row, async (a, b) => {
        const [first, second] = await probe([a, b]);
        expect(first!.v4).toMatch(/^[0-9a-f]{64}$/);
        expect(first!.v4 === second!.v4).toBe(first!.v3 === second!.v3);
        expect(first!.v5 === second!.v5).toBe(first!.v3 === second!.v3);
      }), { numRuns: RUNS * 5 });
    });

    it("tells apart rows whose columns differ only in where one ends and the next begins", async () => {
      const shifted: Row[] = [
        { subject: "a:1", email: null }, { subject: "a", email: "1" }, { subject: null, email: "a:1" }, { subject: "", email: ":" },
        { subject: "1:", email: null }, { subject: null, email: "" }, { subject: "", email: null },
        { prompt_tokens: 1, total_tokens: null }, { prompt_tokens: null, total_tokens: 1 }, { prompt_tokens: 11, total_tokens: null },
        { groups: '["a"]', response_chunks: null }, { groups: null, response_chunks: '["a"]' },
        { mask_policies: "1", response_chunks: "23" }, { mask_policies: "12", response_chunks: "3" },
        { reason: "1:", error: "" }, { reason: "", error: "1:" }, { reason: "1", error: ":" },
      ];
      const rows = await probe(shifted);
      expect(rows).toHaveLength(shifted.length);
      expect(new Set(rows.map((r) => r.v4)).size).toBe(shifted.length);
    });

    it("keeps verifying rows committed under version 3 beside new ones, and catches an edit of either", async () => {
      const now = new Date();
      await db.transaction(async (tx) => {
        const rows = await insertExchanges(tx, [{ agent: "edge-1", exchange: exchange("old-1") }, { agent: "edge-1", exchange: exchange("old-2") }], now);
        const v3 = await tx.execute<{ id: string; digest: string }[]>(`select id, ${exchangeDigestSql(3)} as digest from exchange where id in ('old-1', 'old-2') order by id`);
        expect(v3.map((r) => r.digest)).not.toEqual(rows.map((r) => r.digest));
        await appendAuditEvents(tx, [{
          type: "sessions", subject: "", time: now, payload: {
            digestVersion: 3, fields: [...SESSIONS_FIELDS],
            sessions: rows.map((r) => [r.id, r.connection, r.started_at, r.subject ?? "", v3.find((d) => d.id === r.id)!.digest]),
          },
        }]);
      });
      await createExchangeSink(db).commit("edge-2", [exchange("new-1"), exchange("new-2")]);
      const [entry] = await sql<{ version: number }>("select (payload->>'digestVersion')::int as version from audit_log where type = 'sessions' order by seq desc limit 1");
      expect(entry!.version).toBe(6);
      expect((await verifyStoredLog(db)).ok).toBe(true);
      for (const id of ["old-2", "new-2"]) {
        await sql(`update exchange set response_body = 'edited' where id = '${id}'`);
        const report = await verifyStoredLog(db);
        expect(report.ok).toBe(false);
        expect(report.firstBroken?.problem).toContain(`session ${id} was changed after it was recorded`);
        await sql(`update exchange set response_body = 'Hello there' where id = '${id}'`);
        expect((await verifyStoredLog(db)).ok).toBe(true);
      }
    });
  });
}

// Exchanges on each database flavour: committed once per id however often sent, read back
// field for field, listed newest first with filters and keyset pages.
import { describe, expect, it } from "vitest";
import { verifyStoredLog } from "../../control-plane/audit/verify-stored-log.js";
import type { Database } from "../../control-plane/storage/database.js";
import { createExchangeReader, createExchangeSink } from "../../control-plane/storage/exchanges.js";
import { databaseFlavours, useOpenTestDatabase } from "../support/database.js";
import { exchange } from "./exchange-fixtures.js";

describe.each(await databaseFlavours())("exchanges on %s", (flavour) => {
  let db: Database;
  useOpenTestDatabase(flavour, (opened) => ({ db } = opened));

  it("commits idempotently by id and acknowledges duplicates too", async () => {
    const sink = createExchangeSink(db);
    expect(await sink.commit("edge-1", [exchange("e1"), exchange("e2")])).toEqual(["e1", "e2"]);
    // A resend after a reconnect: e2 again (with other content, which must not overwrite) and e3.
    const resent = exchange("e2", { subject: "mallory" });
    expect(await sink.commit("edge-1", [resent, exchange("e3")])).toEqual(["e2", "e3"]);
    const rows = await db.em().execute<{ id: string; subject: string }[]>("select id, subject from exchange order by id");
    expect(rows).toEqual([{ id: "e1", subject: "alice" }, { id: "e2", subject: "alice" }, { id: "e3", subject: "alice" }]);
    expect(await sink.commit("edge-1", [])).toEqual([]);
  });

  it("commits large batches in one call", async () => {
    const sink = createExchangeSink(db);
    const batch = Array.from({ length: 1200 }, (_, i) => exchange(`bulk-${i}`, { connection: "bulk" }));
    expect(await sink.commit("edge-2", batch)).toHaveLength(1200);
    const rows = await db.em().execute<{ n: string | number }[]>("select count(*) as n from exchange where connection = 'bulk'");
    expect(Number(rows[0]!.n)).toBe(1200);
  });

  it("stores text exactly as sent, whatever characters it holds, and a batch's repeated id once", async () => {
    // What an array literal or SQL text must escape, plus what PostgreSQL cannot hold (U+0000, lone
    // surrogates: stored as U+FFFD).
    const tricky = ['"quoted" \\ back\\slash', "{braces},commas", "NULL", "", " spaced ", "ünï €😀 \u2028", "a\u0000b", "'single'", "$1 ?", "lone \ud800 and \udc00 x\ud83d"];
    const sent = tricky.map((text, i) => {
      const ex = exchange(`tricky-${i}`, { subject: text, connection: "tricky" });
      ex.requestBody = text;
      ex.responseBody = `${text}|${text}`;
      ex.reason = text;
      ex.identity!.groups = [text, "eng"];
      ex.maskPolicies = [text];
      ex.findings = [{ $typeName: "palisade.agent.v1.MaskFinding", detector: text, location: "request", count: 1 }];
      return ex;
    });
    const sink = createExchangeSink(db);
    expect(await sink.commit("edge-7", [...sent, sent[0]!])).toHaveLength(tricky.length + 1);
    const reader = createExchangeReader(db);
    for (const [i, text] of tricky.entries()) {
      const stored = text.replaceAll("\u0000", "\uFFFD").toWellFormed();
      const got = (await reader.get(`tricky-${i}`))!.exchange;
      expect([got.requestBody, got.responseBody, got.reason, got.identity?.subject]).toEqual([stored, `${stored}|${stored}`, stored, stored]);
      expect(got.identity?.groups).toEqual([stored, "eng"]);
      expect(got.maskPolicies).toEqual([stored]);
      expect(got.findings.map((finding) => finding.detector)).toEqual([stored]);
    }
    // Listed once by the commit's chain entry (the resend adds nothing), the tricky callers in it
    // hashing as jsonb gives them back.
    const entries = await db.em().execute<{ n: string | number }[]>(
      "select count(*) as n from audit_log a, jsonb_array_elements(a.payload->'sessions') s where a.type = 'sessions' and s->>0 = 'tricky-0'",
    );
    expect(Number(entries[0]!.n)).toBe(1);
    expect((await verifyStoredLog(db)).ok).toBe(true);
  });

  it("stores absent and empty fields beside full ones in one batch (each column one bound array)", async () => {
    const bare = exchange("mixed-bare");
    bare.identity = undefined;
    bare.usage = undefined;
    bare.timeToFirstByte = undefined;
    bare.requestBody = "";
    const empty = exchange("mixed-empty");
    empty.identity!.groups = [];
    empty.maskPolicies = [];
    empty.findings = [];
    const full = exchange("mixed-full");
    full.maskPolicies = ["pii"];
    full.findings = [{ $typeName: "palisade.agent.v1.MaskFinding", detector: "email", location: "request", count: 2 }];
    empty.responseChunks = [{ $typeName: "palisade.agent.v1.ResponseChunk", offset: { $typeName: "google.protobuf.Duration", seconds: 0n, nanos: 7 }, data: "a\u0000b" }];
    const sent = [bare, full, empty, bare];
    expect(await createExchangeSink(db).commit("edge-mixed", sent)).toEqual(["mixed-bare", "mixed-full", "mixed-empty", "mixed-bare"]);
    const reader = createExchangeReader(db);
    for (const one of [bare, empty, full]) {
      const got = (await reader.get(one.id))!.exchange;
      expect(got, one.id).toEqual({ ...one, agent: "edge-mixed", responseChunks: one.responseChunks.map((chunk) => ({ ...chunk, data: chunk.data.replaceAll("\u0000", "\uFFFD") })) });
    }
    const entries = await db.em().execute<{ n: string | number }[]>(
      "select count(*) as n from audit_log a, jsonb_array_elements(a.payload->'sessions') s where a.type = 'sessions' and s->>0 like 'mixed-%'",
    );
    expect(Number(entries[0]!.n)).toBe(3);
  });

  it("reads back every field, the agent taken from the stream", async () => {
    const sent = exchange("round-trip", { nanos: 456_000 });
    await createExchangeSink(db).commit("edge-9", [sent]);
    const got = await createExchangeReader(db).get("round-trip");
    expect(got).toBeDefined();
    expect(got!.exchange).toEqual({ ...sent, agent: "edge-9" });
    expect(got!.commitTime.seconds).toBeGreaterThan(0n);
    expect(await createExchangeReader(db).get("missing")).toBeUndefined();
  });

  it("lists newest first, filtered, in keyset pages without gaps or repeats and without bodies", async () => {
    const sink = createExchangeSink(db);
    const base = Date.UTC(2030, 0, 1);
    const batch = [];
    for (let i = 0; i < 25; i++) {
      // Pairs share a start time to exercise the id tie-break.
      batch.push(exchange(`page-${String(i).padStart(2, "0")}`, {
        startedMs: base + Math.floor(i / 2) * 1000, subject: i % 5 === 0 ? "bob" : "carol", connection: "paged",
      }));
    }
    await sink.commit("edge-3", batch);
    const reader = createExchangeReader(db);
    const seen: string[] = [];
    let after: { startedKey: string; id: string } | undefined;
    for (;;) {
      const page = await reader.list({ connection: "paged", limit: 7, after });
      if (page.exchanges.length === 0) break;
      for (const item of page.exchanges) {
        expect(item.exchange.requestBody).toBe("");
        expect(item.exchange.responseBody).toBe("");
        seen.push(item.exchange.id);
      }
      after = { startedKey: page.keys.at(-1)!, id: page.exchanges.at(-1)!.exchange.id };
    }
    const expected = batch.map((e) => e.id).sort().reverse();
    expect(seen).toEqual(expected);

    const bob = await reader.list({ connection: "paged", subject: "bob", limit: 100 });
    expect(bob.exchanges.map((e) => e.exchange.id)).toEqual(["page-20", "page-15", "page-10", "page-05", "page-00"]);
  });
});

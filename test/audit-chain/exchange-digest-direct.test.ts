// The row digest computed by the control plane from the bytes it sends (exchange-digest-direct.ts)
// against the SQL expression it replaced in the insert's RETURNING list, which verification still
// uses: on random exchanges — text of any UTF-16 code units (lone surrogates, U+0000, controls,
// quotes), groups, findings and mask policies, usage at the int64 edges, start times inside and
// outside the years the binary writer takes, stream writes — wherever the direct way gives a digest
// it is the database's, byte for byte, and the digests and session fields the insert returns
// (which the chain lists: id, connection, start to the millisecond, caller) are the database's on
// either path. PostgreSQL stores what the insert sends in binary; PGlite
// stores the text form of the same values: both are checked against the same direct digests.
import { create } from "@bufbuild/protobuf";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ExchangeSchema, RecordedBodies } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { directDigester, jsonbText } from "../../control-plane/audit/exchange-digest-direct.js";
import { type InsertedExchange, SESSION_EVENT_COLUMNS } from "../../control-plane/audit/session-events.js";
import type { Database } from "../../control-plane/storage/database.js";
import { type AgentExchange, binaryParams, exchangeColumns, insertExchanges } from "../../control-plane/storage/exchange-insert.js";
import { databaseFlavours, useOpenTestDatabase } from "../support/database.js";
import { exchange as fixture } from "../storage/exchange-fixtures.js";

const RUNS = 40;

const anyText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.string({ unit: fc.constantFrom('"', "\\", "\n", "\t", "\u0001", "\u001f", "\u007f", ":", ";", "|", "1", "é", "\u2028", "😀", "\ud800", "\udc00", "\u0000"), maxLength: 12 }),
  fc.constantFrom("", " ", "a\u0000b"),
);
const int64 = fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }), fc.constantFrom(0n, 2n ** 63n - 1n, -(2n ** 63n), -1n));
const exchangeArb = fc.record({
  id: fc.oneof({ arbitrary: fc.constantFrom("a", "b", "c"), weight: 3 }, { arbitrary: anyText, weight: 1 }),
  text: anyText, subject: fc.option(anyText), groups: fc.array(anyText, { maxLength: 3 }), masks: fc.array(anyText, { maxLength: 2 }),
  findings: fc.array(fc.record({ detector: anyText, location: anyText, count: fc.integer() }), { maxLength: 2 }),
  usage: fc.option(fc.tuple(int64, int64, int64, int64, fc.boolean())),
  // Years 1–9999, those before 1000 sent as text (the direct way declines them, as a missing start).
  seconds: fc.oneof({ arbitrary: fc.integer({ min: -30_000_000_000, max: 253_402_300_799 }), weight: 4 }, { arbitrary: fc.integer({ min: -62_135_596_800, max: -30_610_224_001 }), weight: 1 }),
  nanos: fc.integer({ min: 0, max: 999_999_999 }),
  started: fc.boolean(), writes: fc.array(anyText, { maxLength: 3 }), raw: fc.boolean(), stream: fc.boolean(), status: fc.integer(),
  duration: fc.option(fc.tuple(fc.bigInt({ min: 0n, max: 9_000_000_000n }), fc.integer({ min: 0, max: 999_999_999 }))),
});

type Drawn = typeof exchangeArb extends fc.Arbitrary<infer T> ? T : never;

function sent(v: Drawn, id: string): AgentExchange {
  return {
    agent: v.text, exchange: create(ExchangeSchema, {
      id, connection: v.text, method: "POST", path: v.text, model: v.text, stream: v.stream, status: v.status, reason: v.text,
      requestBody: v.text, responseBody: `${v.text}|`, error: v.text, policy: v.text, reviewId: v.text, agentInstance: v.text,
      identity: v.subject === null ? undefined : { subject: v.subject, email: v.text, groups: v.groups, issuer: v.text },
      usage: v.usage === null ? undefined : { promptTokens: v.usage[0], completionTokens: v.usage[1], totalTokens: v.usage[2], cachedTokens: v.usage[3], estimated: v.usage[4] },
      startedAt: v.started ? { seconds: BigInt(v.seconds), nanos: v.nanos } : undefined,
      duration: v.duration === null ? undefined : { seconds: v.duration[0], nanos: v.duration[1] },
      timeToFirstByte: v.duration === null ? undefined : { seconds: 0n, nanos: v.duration[1] },
      findings: v.findings, maskPolicies: v.masks, recordedBodies: v.raw ? RecordedBodies.RAW : RecordedBodies.MASKED,
      responseChunks: v.writes.map((data, i) => ({ offset: { seconds: BigInt(i), nanos: v.nanos & 0xffff }, data })),
    }),
  };
}

for (const flavour of await databaseFlavours()) {
  describe(`the direct exchange digest on ${flavour}`, () => {
    let db: Database;
    useOpenTestDatabase(flavour, (opened) => ({ db } = opened));
    const now = new Date(Date.UTC(2026, 11, 7, 12));
    let n = 0;

    // Inserts `items` as the sink does; the digests the insert returned, the database's digest and
    // the direct digest (undefined: declined) of every stored row.
    async function digests(items: readonly AgentExchange[]) {
      return db.transaction(async (tx) => {
        const returned = await insertExchanges(tx, items, now, flavour === "postgres");
        const ids = [...new Set(returned.map((row) => row.id))];
        const stored = await tx.execute<(InsertedExchange & { committed_us: string | number })[]>(
          `select ${SESSION_EVENT_COLUMNS}, (extract(epoch from committed_at) * 1000000)::bigint as committed_us
           from exchange where id in (${ids.map(() => "?").join(", ")})`, ids,
        );
        const columns = exchangeColumns(items, now, true);
        const digester = directDigester(columns, binaryParams(columns));
        const firstRow = new Map<string, number>();
        items.forEach((_, row) => { const id = (columns[0]![row] as string).toWellFormed(); if (!firstRow.has(id)) firstRow.set(id, row); });
        expect(returned).toHaveLength(stored.length);
        return stored.map(({ committed_us, ...row }) => ({
          id: row.id, database: row.digest, returned: returned.find((r) => r.id === row.id)?.digest,
          direct: digester?.(firstRow.get(row.id)!, BigInt(committed_us)),
          fields: row, returnedFields: returned.find((r) => r.id === row.id),
        }));
      });
    }

    it("gives the database's digest wherever it gives one, and the insert returns the database's", async () => {
      let direct = 0;
      let rows = 0;
      await fc.assert(fc.asyncProperty(fc.array(exchangeArb, { minLength: 1, maxLength: 4 }), async (values) => {
        n += 1;
        // Ids repeat within an insert (the first is stored) and across inserts only by accident of the prefix.
        const items = values.map((v) => sent(v, `${n}-${v.id}`));
        for (const row of await digests(items)) {
          rows += 1;
          expect(row.returned).toBe(row.database);
          // What the chain entry lists of the session: as the database prints it.
          expect(row.returnedFields).toEqual(row.fields);
          if (row.direct !== undefined) {
            direct += 1;
            expect(row.direct).toBe(row.database);
          }
        }
      }), { numRuns: RUNS });
      // The property must have exercised the direct way, not only its declining. The arbitrary
      // declines often (times before year 1000, odd numbers): ~30–45 % of rows go the direct way,
      // so a third flaked (27 of 85 in one CI run); a tenth still fails if it always declines.
      expect(direct).toBeGreaterThan(rows / 10);
    });

    it("digests an ordinary exchange directly", async () => {
      const items = [{ agent: "edge", exchange: fixture("ordinary-1") }, { agent: "edge", exchange: fixture("ordinary-2", { subject: "bob" }) }];
      const rows = await digests(items);
      expect(rows).toHaveLength(2);
      for (const row of rows) expect(row.direct).toBe(row.database);
    });
  });
}

describe("jsonb_out's rendering", () => {
  it("separates, orders keys and escapes as jsonb_out does", () => {
    expect(jsonbText('["a","b\\n\\u0001\\"\\\\/é"]')).toBe('["a", "b\\n\\u0001\\"\\\\/é"]');
    expect(jsonbText('[{"detector":"d","location":"l","count":3}]')).toBe('[{"count": 3, "detector": "d", "location": "l"}]');
    expect(jsonbText("[]")).toBe("[]");
    expect(jsonbText('["\\ud800"]')).toBeUndefined();
    expect(jsonbText('{"a":1}')).toBeUndefined();
  });
});

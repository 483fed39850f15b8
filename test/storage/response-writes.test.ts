// A stream's writes stored as `response_writes` (migration 0026) read back, on each database
// flavour, as they read back from the jsonb `response_chunks` before: offsets as the JSON number
// held them, U+0000 as U+FFFD. Rows stored before the migration are still read from
// `response_chunks`, and the chain covers the new column (an edit is found).
import { create } from "@bufbuild/protobuf";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import { RecordedBodies, ResponseChunkSchema } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { verifyStoredLog } from "../../control-plane/audit/verify-stored-log.js";
import type { Database } from "../../control-plane/storage/database.js";
import { insertExchanges } from "../../control-plane/storage/exchange-insert.js";
import { createExchangeReader, createExchangeSink } from "../../control-plane/storage/exchanges.js";
import { decodeWrites } from "../../control-plane/storage/response-writes.js";
import { databaseFlavours, useOpenTestDatabase } from "../support/database.js";
import { exchange } from "./exchange-fixtures.js";

// What the jsonb form gave back for a write: JSON.stringify of {ns: Number(exact ns), data}, parsed.
function asJsonbGaveBack(seconds: bigint, nanos: number, data: string) {
  const ns = (JSON.parse(JSON.stringify({ ns: Number(seconds * 1_000_000_000n + BigInt(nanos)) })) as { ns: number }).ns;
  const back = BigInt(ns);
  return create(ResponseChunkSchema, {
    offset: create(DurationSchema, { seconds: back / 1_000_000_000n, nanos: Number(back % 1_000_000_000n) }),
    data: data.replaceAll("\u0000", "\uFFFD"),
  });
}

const write = fc.record({
  seconds: fc.oneof(fc.bigInt({ min: 0n, max: 600n }), fc.bigInt({ min: -(2n ** 40n), max: 2n ** 40n })),
  nanos: fc.integer({ min: 0, max: 999_999_999 }),
  data: fc.oneof(fc.string({ unit: "grapheme", maxLength: 40 }), fc.constantFrom('data: {"choices":[{"delta":{"content":"\\"hi\\""}}]}\n\n', "a\u0000b", "", "é😀")),
});

describe.each(await databaseFlavours())("a stream's writes on %s", (flavour) => {
  let db: Database;
  useOpenTestDatabase(flavour, (opened) => ({ db } = opened));
  let n = 0;

  it("read back as the jsonb form gave them back", async () => {
    const sink = createExchangeSink(db);
    const reader = createExchangeReader(db);
    await fc.assert(fc.asyncProperty(fc.array(fc.array(write, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 3 }), async (streams) => {
      const sent = streams.map((writes) => {
        const x = exchange(`w-${n++}`);
        x.recordedBodies = RecordedBodies.RAW;
        x.responseChunks = writes.map((w) => create(ResponseChunkSchema, { offset: { seconds: w.seconds, nanos: w.nanos }, data: w.data }));
        return { x, writes };
      });
      await sink.commit("edge", sent.map(({ x }) => x));
      for (const { x, writes } of sent) {
        const got = await reader.get(x.id);
        expect(got!.exchange.responseChunks).toEqual(writes.map((w) => asJsonbGaveBack(w.seconds, w.nanos, w.data)));
      }
    }), { numRuns: 25 });
  });

  it("reads a row stored before 0026 from response_chunks, and leaves response_chunks null now", async () => {
    const x = exchange("before-0026");
    x.recordedBodies = RecordedBodies.RAW;
    x.responseChunks = [create(ResponseChunkSchema, { offset: { seconds: 0n, nanos: 7 }, data: "new" })];
    // Stored without a chain entry: the row is edited below into what an older version wrote.
    await db.transaction((tx) => insertExchanges(tx, [{ agent: "edge", exchange: x }], new Date(), flavour === "postgres"));
    const [stored] = await db.em().execute<{ chunks: unknown; writes: Uint8Array | null }[]>("select response_chunks as chunks, response_writes as writes from exchange where id = 'before-0026'");
    expect(stored!.chunks).toBeNull();
    expect(decodeWrites(stored!.writes!)).toEqual([{ ns: 7, data: "new" }]);
    await db.em().execute(`update exchange set response_writes = null, response_chunks = '[{"ns": 1000000005, "data": "old \\"one\\""}]' where id = 'before-0026'`);
    const got = await createExchangeReader(db).get("before-0026");
    expect(got!.exchange.responseChunks).toEqual([create(ResponseChunkSchema, { offset: { seconds: 1n, nanos: 5 }, data: 'old "one"' })]);
  });

  it("is covered by the chain: an edit of response_writes is found", async () => {
    const x = exchange("edited-writes");
    x.recordedBodies = RecordedBodies.RAW;
    x.responseChunks = [create(ResponseChunkSchema, { offset: { seconds: 0n, nanos: 1 }, data: "said" })];
    await createExchangeSink(db).commit("edge", [x]);
    expect((await verifyStoredLog(db)).ok).toBe(true);
    await db.em().execute("update exchange set response_writes = response_writes || '\\x00'::bytea where id = 'edited-writes'");
    expect((await verifyStoredLog(db)).firstBroken?.problem).toContain("session edited-writes was changed after it was recorded");
    await db.em().execute("update exchange set response_writes = substring(response_writes from 1 for length(response_writes) - 1) where id = 'edited-writes'");
    expect((await verifyStoredLog(db)).ok).toBe(true);
  });
});

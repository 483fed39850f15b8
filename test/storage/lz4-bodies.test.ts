// Migration 0027 on each database flavour: an exchange's large bodies and writes are compressed with
// lz4 where the server has it (PostgreSQL built with lz4), pglz elsewhere (PGlite), and read back
// the same either way.
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { RecordedBodies, ResponseChunkSchema } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { verifyStoredLog } from "../../control-plane/audit/verify-stored-log.js";
import type { Database } from "../../control-plane/storage/database.js";
import { createExchangeReader, createExchangeSink } from "../../control-plane/storage/exchanges.js";
import { databaseFlavours, useOpenTestDatabase } from "../support/database.js";
import { exchange } from "./exchange-fixtures.js";

describe.each(await databaseFlavours())("large exchange values on %s", (flavour) => {
  let db: Database;
  useOpenTestDatabase(flavour, (opened) => ({ db } = opened));

  it("are compressed with lz4 where the server has it, and read back the same", async () => {
    const x = exchange("large");
    x.requestBody = JSON.stringify({ messages: Array.from({ length: 60 }, (_, i) => ({ role: "user", content: `step ${i}: run the tests. `.repeat(20) })) });
    x.responseBody = "é and 😀 words ".repeat(2000);
    x.recordedBodies = RecordedBodies.RAW;
    x.responseChunks = Array.from({ length: 300 }, (_, i) => create(ResponseChunkSchema, { offset: { seconds: 0n, nanos: i }, data: `data: {"i":${i}}\n\n` }));
    await createExchangeSink(db).commit("edge", [x]);
    const [lz4] = await db.em().execute<{ n: number }[]>("select count(*)::int as n from pg_settings where name = 'default_toast_compression' and enumvals::text like '%lz4%'");
    const [row] = await db.em().execute<{ request: string | null; response: string | null; writes: string | null }[]>(
      `select pg_column_compression(request_body) as request, pg_column_compression(response_body) as response,
        pg_column_compression(response_writes) as writes from exchange where id = 'large'`);
    const expected = lz4!.n > 0 ? "lz4" : "pglz";
    expect(row).toEqual({ request: expected, response: expected, writes: expected });
    const got = (await createExchangeReader(db).get("large"))!.exchange;
    expect({ request: got.requestBody, response: got.responseBody, chunks: got.responseChunks })
      .toEqual({ request: x.requestBody, response: x.responseBody, chunks: x.responseChunks });
    expect((await verifyStoredLog(db)).ok).toBe(true);
    void flavour;
  });
});

// Retention: sessions older than their connection's retention are deleted, a checkpoint is signed
// first and a retention entry records the cut, so verify still passes afterwards — and still
// finds a session deleted outside retention, or an edited chain entry of a pruned session.
import { create } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kind, Provider, ResourceSchema } from "../../gen/palisade/admin/v1/resources_pb.js";
import { pruneExpiredSessions } from "../../control-plane/audit/retention-pruner.js";
import { verifyStoredLog } from "../../control-plane/audit/verify-stored-log.js";
import type { Database } from "../../control-plane/storage/database.js";
import { createExchangeSink } from "../../control-plane/storage/exchanges.js";
import { createResourceStore } from "../../control-plane/storage/resources/resource-store.js";
import { openTestDatabase, postgresAvailable } from "../support/database.js";
import { exchange } from "../storage/exchange-fixtures.js";

const flavour = (await postgresAvailable()) ? "postgres" : "pglite";
const DAY = 86_400;

function connection(name: string, retentionSeconds: number) {
  return create(ResourceSchema, { resource: { case: "connection", value: {
    name, provider: Provider.OPENAI, upstream: "https://api.openai.com", credential: { header: "authorization", value: "Bearer sk" },
    retention: retentionSeconds > 0 ? { seconds: BigInt(retentionSeconds) } : undefined,
  } } });
}

describe(`retention on ${flavour}`, () => {
  let opened: Awaited<ReturnType<typeof openTestDatabase>>;
  let db: Database;
  const sql = <T>(text: string, params: unknown[] = []) => db.em().execute<T[]>(text, params);
  // The entry listing `session` (sessions committed together share one).
  const seqOf = async (session: string) => Number((await sql<{ seq: string }>(
    "select seq from audit_log where type = 'sessions' and payload->'sessions' @> jsonb_build_array(jsonb_build_array(?::text))", [session],
  ))[0]!.seq);
  const old = Date.now() - 40 * DAY * 1000;

  beforeAll(async () => {
    opened = await openTestDatabase(flavour);
    db = opened.db;
    await createResourceStore(db).apply([connection("openai", 30 * DAY), connection("keep", 0)], "test");
    const sink = createExchangeSink(db);
    await sink.commit("edge-1", [
      ...Array.from({ length: 6 }, (_, i) => exchange(`old-${i}`, { startedMs: old + i })),
      exchange("old-keep", { connection: "keep", startedMs: old }),
      ...Array.from({ length: 3 }, (_, i) => exchange(`new-${i}`, { startedMs: Date.now() - 1000 })),
    ]);
  }, 60_000);
  afterAll(async () => { await opened?.close(); });

  it("stores the connection's retention", async () => {
    const stored = await createResourceStore(db).get(Kind.CONNECTION, "openai");
    expect(stored?.resource.case === "connection" && stored.resource.value.retention?.seconds).toBe(BigInt(30 * DAY));
  });

  it("deletes sessions past retention, keeps the chain verifiable, and does nothing twice", async () => {
    expect(await pruneExpiredSessions(db)).toEqual([{ connection: "openai", startedBefore: expect.any(Date), deleted: 6 }]);
    expect((await sql<{ id: string }>("select id from exchange order by id")).map((row) => row.id)).toEqual(["new-0", "new-1", "new-2", "old-keep"]);
    expect(await sql("select subject, payload->>'connection' as connection, payload->>'sessions' as sessions from audit_log where type = 'admin'"))
      .toEqual([{ subject: "palisade:retention", connection: "openai", sessions: "6" }]);
    // Checkpoint signed before the deletion; the entry listing the sessions is still in the chain.
    expect(await sql("select seq::int from audit_checkpoint")).toEqual([{ seq: 1 }]);
    expect(await sql("select jsonb_array_length(payload->'sessions') as n from audit_log where seq = 1")).toEqual([{ n: 10 }]);
    expect(await verifyStoredLog(db)).toMatchObject({ ok: true, entriesChecked: 2, checkpointsChecked: 1 });
    expect(await pruneExpiredSessions(db)).toEqual([{ connection: "openai", startedBefore: expect.any(Date), deleted: 0 }]);
    expect((await verifyStoredLog(db)).entriesChecked).toBe(2);
  });

  it("still finds sessions deleted outside retention and edited entries of pruned ones", async () => {
    const [saved] = await sql<{ row: string }>("select row_to_json(e)::text as row from exchange e where id = 'new-1'");
    await sql("delete from exchange where id = 'new-1'");
    expect((await verifyStoredLog(db)).firstBroken).toEqual({ seq: await seqOf("new-1"), problem: `entry ${await seqOf("new-1")}: session new-1 is missing from the exchange table` });
    await sql("insert into exchange select * from json_populate_record(null::exchange, ?::json)", [saved!.row]);

    // Old, but its connection keeps sessions forever.
    const [keep] = await sql<{ row: string }>("select row_to_json(e)::text as row from exchange e where id = 'old-keep'");
    await sql("delete from exchange where id = 'old-keep'");
    expect((await verifyStoredLog(db)).firstBroken?.seq).toBe(await seqOf("old-keep"));
    await sql("insert into exchange select * from json_populate_record(null::exchange, ?::json)", [keep!.row]);

    // The pruned old-2's caller, as its entry lists it.
    const pruned = await seqOf("old-2");
    await sql(`update audit_log set payload = jsonb_set(payload, '{sessions,2,3}', '"someone-else"') where seq = ?`, [pruned]);
    expect((await verifyStoredLog(db)).firstBroken).toEqual({ seq: pruned, problem: `entry ${pruned}: hash does not match its contents (edited or moved)` });
    await sql(`update audit_log set payload = jsonb_set(payload, '{sessions,2,3}', '"alice"') where seq = ?`, [pruned]);
    expect((await verifyStoredLog(db)).ok).toBe(true);
  });
});

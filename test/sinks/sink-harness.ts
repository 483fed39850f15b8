// A database with the audit log and the resource store, for sink tests: apply sinks as an
// operator would, append audit entries as the control plane does, and run delivery over it.
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import pino from "pino";
import { type AuditSink, AuditSinkSchema, ResourceSchema } from "../../gen/palisade/admin/v1/resources_pb.js";
import { createSecretBox } from "../../control-plane/crypto/secret-box.js";
import { useSecretBox } from "../../control-plane/crypto/secret-registry.js";
import { appendAuditEvents } from "../../control-plane/audit/audit-log.js";
import { startSinkDelivery, type SinkDelivery } from "../../control-plane/sinks/sink-delivery.js";
import { noSinkMetrics, type SinkMetrics } from "../../control-plane/sinks/sink-metrics.js";
import { type Database, openDatabase } from "../../control-plane/storage/database.js";
import { createResourceStore } from "../../control-plane/storage/resources/resource-store.js";
import { testDatabase, type TestDatabase } from "../support/database.js";

/** Fast timings: poll every 20 ms, retries from 20 ms up to 200 ms. */
export const FAST_TIMINGS = { pollMs: 20, retryBaseMs: 20, retryCapMs: 200 };

/** A database to run sinks on. */
export interface SinkHarness {
  db: Database;
  test: TestDatabase;
  apply(sink: MessageInitShape<typeof AuditSinkSchema>): Promise<void>;
  /** Appends `count` admin entries numbered from `from` (payload.n), in one transaction. */
  append(count: number, from?: number, type?: "admin" | "alert" | "session"): Promise<void>;
  deliver(metrics?: SinkMetrics): Promise<SinkDelivery>;
  cursor(sink: string): Promise<number>;
  close(): Promise<void>;
}

/** Opens a fresh database (PostgreSQL when reachable) of `flavour`; secrets sealed with `secretKey` (base64) if given. */
export async function startSinkHarness(flavour?: "pglite" | "postgres", secretKey?: string): Promise<SinkHarness> {
  const test = await testDatabase(flavour);
  const db = await openDatabase({ databaseUrl: test.url });
  if (secretKey) useSecretBox(db, createSecretBox(Buffer.from(secretKey, "base64")));
  const resources = createResourceStore(db);
  const deliveries: SinkDelivery[] = [];
  return {
    db,
    test,
    async apply(sink) {
      const value: AuditSink = create(AuditSinkSchema, sink);
      await resources.apply([create(ResourceSchema, { resource: { case: "auditSink", value } })], "test");
    },
    async append(count, from = 1, type = "admin") {
      await db.transaction((tx) => appendAuditEvents(tx, Array.from({ length: count }, (_, i) => ({
        type, subject: `user-${(from + i) % 3}`, payload: { action: "test", n: from + i, note: "café ☕" },
      }))));
    },
    async deliver(metrics = noSinkMetrics) {
      const delivery = await startSinkDelivery({ db, logger: pino({ level: "silent" }), metrics, timings: FAST_TIMINGS, reloadMs: 100 });
      deliveries.push(delivery);
      return delivery;
    },
    async cursor(sink) {
      const rows = await db.em().execute<{ last_seq: string | number }[]>("select last_seq from sink_cursor where sink = ?", [sink]);
      return Number(rows[0]?.last_seq ?? -1);
    },
    async close() {
      for (const delivery of deliveries) await delivery.close();
      await db.close();
      await test.close();
    },
  };
}

// Two control-plane replicas on one PostgreSQL: a change through one reaches the other's snapshot
// cache through LISTEN/NOTIFY (the safety poll is set far too slow to explain it), and reaches an
// agent streaming from the other replica.
import { create } from "@bufbuild/protobuf";
import { Code, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentAdminService } from "../../gen/palisade/admin/v1/agent_admin_service_pb.js";
import { ResourceService } from "../../gen/palisade/admin/v1/resource_service_pb.js";
import { ConnectionSchema, Kind, Provider, ResourceSchema } from "../../gen/palisade/admin/v1/resources_pb.js";
import { type ControlPlane, startControlPlane } from "../../control-plane/control-plane.js";
import { type SnapshotCache, startSnapshotCache } from "../../control-plane/snapshot/snapshot-cache.js";
import { currentVersion } from "../../control-plane/storage/change-events.js";
import { openDatabase } from "../../control-plane/storage/database.js";
import { createResourceStore } from "../../control-plane/storage/resources/resource-store.js";
import { postgresAvailable, testDatabase, type TestDatabase } from "../support/database.js";
import { openStream } from "../stream/harness.js";
import { eventually } from "../support/eventually.js";

const logger = pino({ level: "silent" });
const SLOW_POLL_MS = 60_000;
// Generous against a loaded CI machine; the requirement is "within a second".
const CONVERGENCE_DEADLINE_MS = 2_000;

function connection(name: string) {
  return create(ResourceSchema, {
    resource: {
      case: "connection",
      value: create(ConnectionSchema, {
        name, provider: Provider.OPENAI, upstream: "http://127.0.0.1:9", credential: { header: "authorization", value: "Bearer up" },
      }),
    },
  });
}

describe.skipIf(!(await postgresAvailable()))("replicas on one PostgreSQL", { tags: ["postgres"] }, () => {
  let database: TestDatabase;

  beforeAll(async () => { database = await testDatabase("postgres"); });
  afterAll(async () => { await database?.close(); });

  it("converge their snapshot caches through LISTEN/NOTIFY", async () => {
    const [a, b] = await Promise.all([openDatabase({ databaseUrl: database.url }), openDatabase({ databaseUrl: database.url })]);
    const caches: SnapshotCache[] = [];
    try {
      caches.push(await startSnapshotCache({ db: a, logger, pollIntervalMs: SLOW_POLL_MS }));
      caches.push(await startSnapshotCache({ db: b, logger, pollIntervalMs: SLOW_POLL_MS }));
      const [, cacheB] = caches as [SnapshotCache, SnapshotCache];
      await createResourceStore(a).apply([connection("via-a")], "test");
      const version = await currentVersion(a.em());
      await eventually("replica B's cache", () => cacheB.version() === version, CONVERGENCE_DEADLINE_MS);
      expect(cacheB.current("").connections.map((c) => c.name)).toEqual(["via-a"]);

      await createResourceStore(b).remove(Kind.CONNECTION, "via-a", "test");
      await eventually("replica A's cache", () => caches[0]!.current("").connections.length === 0, CONVERGENCE_DEADLINE_MS);
    } finally {
      for (const cache of caches) await cache.close();
      await closeAll([a, b]);
    }
  });

  it("push a change applied through one replica to an agent streaming from the other", async () => {
    const adminToken = "pat_replica-test";
    const start = () => startControlPlane({
      listen: "127.0.0.1:0", databaseUrl: database.url, adminToken, logger, snapshotPollIntervalMs: SLOW_POLL_MS,
      secretKey: Buffer.alloc(32, 7).toString("base64"),  // replicas share one key
    });
    const planes: ControlPlane[] = await Promise.all([start(), start()]);
    try {
      const [a, b] = planes as [ControlPlane, ControlPlane];
      const headers = { authorization: `Bearer ${adminToken}` };
      const adminA = createConnectTransport({ baseUrl: a.url, httpVersion: "1.1" });
      const { token } = await createClient(AgentAdminService, adminA).createAgent({ name: "edge-1" }, { headers });

      const stream = openStream(createGrpcTransport({ baseUrl: b.url }), token);
      stream.send({ case: "hello", value: { agentName: "edge-1", version: "test", instance: "pod-a/1" } });
      await stream.nextOf("welcome");
      const first = await stream.nextOf("snapshot");
      expect(first.connections).toHaveLength(0);

      await createClient(ResourceService, adminA).apply({ resources: [connection("pushed")] }, { headers });
      const pushed = await eventually("the pushed snapshot", async () => {
        const snapshot = await stream.nextOf("snapshot");
        return snapshot.connections.length > 0 && snapshot;
      }, CONVERGENCE_DEADLINE_MS);
      expect(pushed.connections.map((c) => c.name)).toEqual(["pushed"]);
      expect(BigInt(pushed.version)).toBeGreaterThan(BigInt(first.version));

      // A second instance of the same agent streams from replica A: either replica shows both.
      const other = openStream(createGrpcTransport({ baseUrl: a.url }), token);
      other.send({ case: "hello", value: { agentName: "edge-1", version: "test", instance: "pod-b/1" } });
      await other.nextOf("snapshot");
      for (const plane of planes) {
        const { agent } = await createClient(AgentAdminService, createConnectTransport({ baseUrl: plane.url, httpVersion: "1.1" })).getAgent({ name: "edge-1" }, { headers });
        expect(agent?.connectedInstances).toBe(2);
        expect(agent?.instances.map((i) => i.instance)).toEqual(["pod-a/1", "pod-b/1"]);
      }

      // Deleting the agent through replica A ends its streams on both replicas.
      await createClient(AgentAdminService, adminA).deleteAgent({ name: "edge-1" }, { headers });
      const ended = await stream.ended;
      expect(ended?.code).toBe(Code.PermissionDenied);
      expect((await other.ended)?.code).toBe(Code.PermissionDenied);
    } finally {
      await closeAll(planes);
    }
  });
});

async function closeAll(items: Array<{ close(): Promise<void> }>): Promise<void> {
  await Promise.all(items.map((item) => item.close()));
}

// Two control-plane processes on one PostgreSQL, each fed by simulated agents over real gRPC
// streams while admins change configuration through both: the appends stay one chain (gapless
// seqs, every link and hash valid, every stored exchange listed once by its commit's entry) and
// verify passes.
import { create } from "@bufbuild/protobuf";
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentAdminService } from "../../gen/palisade/admin/v1/agent_admin_service_pb.js";
import { AuditLogService } from "../../gen/palisade/admin/v1/audit_log_service_pb.js";
import { ResourceService } from "../../gen/palisade/admin/v1/resource_service_pb.js";
import { Provider, ResourceSchema } from "../../gen/palisade/admin/v1/resources_pb.js";
import { freePort, killAll, type PalisadeProcess, startControlPlaneProcess, stopProcess } from "../faults/fault-bed.js";
import { postgresAvailable, testDatabase, type TestDatabase } from "../support/database.js";
import { runAgent } from "../support/simulated-agent.js";
import { STACK_ADMIN_TOKEN } from "../support/stack.js";

const bearer: Interceptor = (next) => (request) => {
  request.header.set("authorization", `Bearer ${STACK_ADMIN_TOKEN}`);
  return next(request);
};
const AGENTS_PER_REPLICA = 2;
const BATCHES = 15;
const BATCH_SIZE = 40;
const APPLIES_PER_REPLICA = 5;

describe.skipIf(!(await postgresAvailable()))("one audit chain across two control-plane processes", { tags: ["postgres"] }, () => {
  let database: TestDatabase;
  const replicas: PalisadeProcess[] = [];
  const urls: string[] = [];

  beforeAll(async () => {
    database = await testDatabase("postgres");
    const ports = [await freePort(), await freePort()];
    // One after the other: the first migrates, the second finds the schema ready.
    for (const port of ports) {
      replicas.push(await startControlPlaneProcess(port, database.url!));
      urls.push(`http://127.0.0.1:${port}`);
    }
  }, 180_000);
  afterAll(async () => {
    for (const replica of replicas) await stopProcess(replica, "SIGTERM");
    await killAll();
    await database?.close();
  });

  it("stays one gapless, verifiable chain under concurrent ingest and admin changes", async () => {
    const admins = urls.map((url) => createConnectTransport({ baseUrl: url, httpVersion: "1.1", interceptors: [bearer] }));
    const agents = await Promise.all(urls.flatMap((_, replica) => Array.from({ length: AGENTS_PER_REPLICA }, async (_, i) => {
      const name = `edge-${replica}-${i}`;
      const { token } = await createClient(AgentAdminService, admins[replica]!).createAgent({ name });
      return { name, token, replica };
    })));
    const applies = admins.flatMap((transport, replica) => Array.from({ length: APPLIES_PER_REPLICA }, (_, i) =>
      createClient(ResourceService, transport).apply({ resources: [create(ResourceSchema, { resource: { case: "connection", value: {
        name: `c-${replica}-${i}`, provider: Provider.OPENAI, upstream: "http://127.0.0.1:9", credential: { header: "authorization", value: "Bearer x" },
      } } })] })));
    const runs = await Promise.all([
      ...agents.map((agent) => runAgent({
        transport: createGrpcTransport({ baseUrl: urls[agent.replica]! }), name: agent.name, token: agent.token,
        batchSize: BATCH_SIZE, window: 3, batches: BATCHES,
      })),
      ...applies,
    ]);
    const exchanges = agents.length * BATCHES * BATCH_SIZE;
    expect(runs.slice(0, agents.length).reduce((sum, run) => sum + (run as { total: number }).total, 0)).toBe(exchanges);

    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    let entries = 0;
    try {
      const { rows: [counts] } = await client.query<{ entries: number; max: number; sessions: number; stored: number; admin: number }>(
        `select count(*)::int as entries, max(seq)::int as max,
                coalesce(sum(jsonb_array_length(payload->'sessions')) filter (where type = 'sessions'), 0)::int as sessions,
                count(*) filter (where type = 'admin')::int as admin,
                (select count(*)::int from exchange) as stored from audit_log`,
      );
      expect(counts).toEqual({
        entries: counts!.max, max: counts!.max, sessions: exchanges, stored: exchanges,
        admin: agents.length + 2 * APPLIES_PER_REPLICA,
      });
      entries = counts!.entries;
      // Every stored exchange listed exactly once across the commits' entries.
      const { rows: [listed] } = await client.query<{ distinct: number }>(
        "select count(distinct s->>0)::int as distinct from audit_log, jsonb_array_elements(payload->'sessions') s where type = 'sessions'",
      );
      expect(listed!.distinct).toBe(exchanges);
    } finally {
      await client.end();
    }
    for (const url of urls) {
      const report = await createClient(AuditLogService, createConnectTransport({ baseUrl: url, httpVersion: "1.1", interceptors: [bearer] })).verifyLog({});
      expect(report).toMatchObject({ ok: true, problem: "" });
      expect(Number(report.entriesChecked)).toBe(entries);
    }
  });
});

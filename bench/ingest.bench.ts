// Audit ingest: exchanges committed per second by one control plane (its own process) on
// PostgreSQL with the audit chain on (session entries hashed and chained under the append lock,
// checkpoints signed) and session text search on (indexed after the commit), fed by simulated
// agents over real gRPC streams; the time from an agent sending a batch to its ACK; how far the
// text index lags at the end and how long it takes to catch up. The chain is verified afterwards.
import pg from "pg";
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { AgentAdminService } from "../gen/palisade/admin/v1/agent_admin_service_pb.js";
import { AuditLogService } from "../gen/palisade/admin/v1/audit_log_service_pb.js";
import { testDatabase } from "../test/support/database.js";
import { percentile, type Bench, type Metric } from "./bench.js";
import { type AgentRun, runAgent } from "../test/support/simulated-agent.js";
import { cpuTimeMs, freePort, spawnPalisade } from "./processes.js";

const AGENTS = Number(process.env.INGEST_AGENTS ?? 8);
const BATCH = Number(process.env.INGEST_BATCH ?? 500);   // the agent's own maxCount (agent/stream/stream-client.ts)
const WINDOW = Number(process.env.INGEST_WINDOW ?? 2);   // batches in flight per agent
const WARMUP_MS = 3_000;
const MEASURE_MS = Number(process.env.INGEST_SECONDS ?? 10) * 1000;
// INGEST_SEARCH_MAX_LAG (e.g. 0s, 10s, 1h) is the control plane's --search-index-max-lag: 0s
// indexes every session in its commit, as before the index moved off the commit path.
const SEARCH_MAX_LAG = process.env.INGEST_SEARCH_MAX_LAG;
const ADMIN_TOKEN = "pat_ingest-bench-admin-token";

// The text index's lag: audit entries not passed yet and the age of the oldest (s).
async function searchLag(url: string): Promise<{ entries: number; seconds: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ entries: string; seconds: number | null }>(
      `select (select max(seq) from audit_log) - p.seq as entries,
         (select extract(epoch from now() - a.time)::float8 from audit_log a where a.seq = p.seq + 1) as seconds
       from search_index_progress p`,
    );
    return { entries: Number(rows[0]?.entries ?? 0), seconds: rows[0]?.seconds ?? 0 };
  } finally {
    await client.end();
  }
}

// The PostgreSQL backends serving the bench's database (the control plane's pool, LISTEN, autovacuum).
async function backendPids(url: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      "select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()",
    );
    return rows.map((row) => row.pid);
  } finally {
    await client.end();
  }
}

// CPU ms of each process (0 once it is gone: a backend that exited mid-run is undercounted).
async function cpuByPid(pids: readonly number[]): Promise<Map<number, number>> {
  const entries = await Promise.all(pids.map(async (pid) => [pid, await cpuTimeMs(pid).catch(() => 0)] as const));
  return new Map(entries);
}

// Every exchange ACKed over the run, warm-up included.
function next(runs: AgentRun[]): number {
  return runs.reduce((sum, r) => sum + r.total, 0);
}

async function run(): Promise<Metric[]> {
  const db = await testDatabase("postgres");
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const lagFlag = SEARCH_MAX_LAG === undefined ? [] : ["--search-index-max-lag", SEARCH_MAX_LAG];
  const controlPlane = spawnPalisade(["control-plane", "--listen", `127.0.0.1:${port}`, "--log-level", "warn", ...lagFlag], {
    DATABASE_URL: db.url!, PALISADE_ADMIN_TOKEN: ADMIN_TOKEN, PALISADE_SECRET_KEY: Buffer.alloc(32, 7).toString("base64"),
  }, true);
  const pid = controlPlane.child.pid!;
  try {
    const bearer: Interceptor = (next) => (request) => {
      request.header.set("authorization", `Bearer ${ADMIN_TOKEN}`);
      return next(request);
    };
    const admin = createConnectTransport({ baseUrl: url, httpVersion: "1.1", interceptors: [bearer] });
    const agents = createClient(AgentAdminService, admin);
    const deadline = Date.now() + 30_000;
    for (;;) {
      try { await agents.listAgents({}); break; } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    const tokens = [];
    for (let i = 0; i < AGENTS; i++) tokens.push((await agents.createAgent({ name: `bench-${i}` })).token);
    const grpc = createGrpcTransport({ baseUrl: url });
    const start = Date.now();
    // CPU of the control-plane process over the run (warm-up included), from /proc.
    const cpuAtStart = await cpuTimeMs(pid);
    const pgAtStart = await cpuByPid(await backendPids(db.url!));
    const benchAtStart = process.cpuUsage();
    const measureFrom = start + WARMUP_MS;
    const stopAt = measureFrom + MEASURE_MS;
    const runs: AgentRun[] = await Promise.all(tokens.map((token, i) => runAgent({
      transport: grpc, name: `bench-${i}`, token, batchSize: BATCH, window: WINDOW, measureFrom, stopAt,
    })));
    const seconds = (Date.now() - measureFrom) / 1000;
    const runSeconds = (Date.now() - start) / 1000;
    const cpuMs = (await cpuTimeMs(pid)) - cpuAtStart;
    const benchCpu = process.cpuUsage(benchAtStart);
    // Backends present at the end; one opened during the run counts from its start.
    const pgAtEnd = await cpuByPid(await backendPids(db.url!));
    let pgMs = 0;
    for (const [backend, ms] of pgAtEnd) pgMs += ms - (pgAtStart.get(backend) ?? 0);
    // The text index after the window, and the CPU it takes to catch up (polled: a bench, not a test).
    const lagAtEnd = await searchLag(db.url!);
    const catchUpStart = performance.now();
    while ((await searchLag(db.url!)).entries > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    const catchUpSeconds = (performance.now() - catchUpStart) / 1000;
    const cpuCaughtUpMs = (await cpuTimeMs(pid)) - cpuAtStart;
    let pgCaughtUpMs = 0;
    for (const [backend, ms] of await cpuByPid(await backendPids(db.url!))) pgCaughtUpMs += ms - (pgAtStart.get(backend) ?? 0);
    const acked = runs.reduce((sum, r) => sum + r.acked, 0);
    const latencies = runs.flatMap((r) => r.latencies);
    const rate = acked / seconds;
    const verifyStart = performance.now();
    const verify = await createClient(AuditLogService, admin).verifyLog({}, { timeoutMs: 600_000 });
    const verifySeconds = (performance.now() - verifyStart) / 1000;
    if (!verify.ok) throw new Error(`the chain is broken after the bench: ${verify.problem}`);
    const setup = `${AGENTS} agents × ${WINDOW} batches of ${BATCH} in flight, ${MEASURE_MS / 1000} s${SEARCH_MAX_LAG === undefined ? "" : `, search max lag ${SEARCH_MAX_LAG}`}`;
    const exchanges = next(runs) || 1;
    return [
      { name: "ingest: time per committed exchange", value: 1e6 / rate, unit: "µs", note: `${Math.round(rate)} exchanges/s (target ≥ 20,000/s); ${setup}` },
      { name: "ingest: control-plane CPU per exchange", value: (cpuMs * 1000) / (next(runs) || 1), unit: "µs", note: "user+system time of the control-plane process / exchanges ACKed (warm-up included)" },
      { name: "ingest: PostgreSQL backend CPU per exchange", value: (pgMs * 1000) / (next(runs) || 1), unit: "µs", note: `user+system time of the database's backends (/proc), ${pgAtEnd.size} at the end` },
      { name: "ingest: load generator CPU per exchange", value: (benchCpu.user + benchCpu.system) / (next(runs) || 1), unit: "µs", note: "the simulated agents (bench process): building, encoding, sending" },
      { name: "ingest: search index lag at the end", value: lagAtEnd.seconds, unit: "s", note: `${lagAtEnd.entries} audit entries not indexed yet when the window closed` },
      { name: "ingest: search index catch-up after the end", value: catchUpSeconds, unit: "s", note: "until every committed session was in the text index" },
      { name: "ingest: time per exchange, indexed", value: ((runSeconds + catchUpSeconds) * 1e6) / exchanges, unit: "µs", note: `${Math.round(exchanges / (runSeconds + catchUpSeconds))} exchanges/s over the whole run (warm-up included) until searchable` },
      { name: "ingest: control-plane CPU per exchange, indexed", value: (cpuCaughtUpMs * 1000) / exchanges, unit: "µs", note: "the same, until the text index caught up" },
      { name: "ingest: PostgreSQL backend CPU per exchange, indexed", value: (pgCaughtUpMs * 1000) / exchanges, unit: "µs", note: "the same, until the text index caught up (its to_tsvector and GIN inserts included)" },
      { name: "ingest: batch send to ACK p50", value: percentile(latencies, 50), unit: "ms", note: `${latencies.length} batches` },
      { name: "ingest: batch send to ACK p99", value: percentile(latencies, 99), unit: "ms", note: "each ACK follows the commit of the exchanges and their chain entries" },
      { name: "ingest: verify the whole chain", value: verifySeconds, unit: "s", note: `${verify.entriesChecked} entries, ${verify.checkpointsChecked} checkpoints: ok` },
    ];
  } finally {
    await controlPlane.stop();
    await db.close();
  }
}

const bench: Bench = {
  description: "audit ingest on PostgreSQL with the hash chain on: exchanges/s and send-to-ACK latency",
  run,
};
export default bench;

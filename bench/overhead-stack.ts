// The Palisade path of the overhead benchmarks: a real control plane and a real agent, each in a
// process of its own as deployed (`palisade control-plane`, `palisade agent`), so neither shares an
// event loop with the load generator nor with each other. The control plane stores on the local
// PostgreSQL when it answers (a fresh database, dropped afterwards), else on PGlite in a temporary
// directory (docs/performance.md says why). The agent serves a connection `openai` to the provider
// under a realistic set of 20 policies (CEL conditions, keywords, patterns, one allow) plus any
// `extra` resources, for a caller token. `PALISADE_BENCH_CPU_PROF=DIR` runs the agent with
// `--cpu-prof` into DIR; `PALISADE_BENCH_AGENT_ENTRY=FILE` runs it from FILE instead of through
// tsx (a compiled build's cli/main.js, to compare).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { AgentAdminService } from "../gen/palisade/admin/v1/agent_admin_service_pb.js";
import { MaskDirection, PolicyAction, Provider, type Resource, ResourceSchema } from "../gen/palisade/admin/v1/resources_pb.js";
import { ResourceService } from "../gen/palisade/admin/v1/resource_service_pb.js";
import { TokenService } from "../gen/palisade/admin/v1/token_service_pb.js";
import { testDatabase } from "../test/support/database.js";
import { policyMix } from "./policy-set.js";
import { type BenchProcess, freePort, spawnPalisade, until } from "./processes.js";

const adminToken = "pat_bench-admin-token-0123456789abcdef";

/** A running Palisade in front of a provider; `close` stops the agent and the control plane. */
export interface PalisadePath {
  /** Base URL of connection `openai` (append `/chat/completions`). */
  baseURL: string;
  /** Base URL of connection `plain`: the same provider, under the same policies except those scoped to `openai`. */
  plainURL: string;
  /** A caller JWT accepted by the agent. */
  token: string;
  /** The agent process's id (for its memory and CPU figures); with `up`, the one process of all. */
  agentPid: number;
  /** The control plane's own process, where it has one. */
  controlPlanePid?: number;
  /** Where the control plane stores: "PostgreSQL" or "PGlite". */
  storage: string;
  close(): Promise<void>;
}

/**
 * A mask policy for requests to `connections` where `when` holds (every request when empty): the
 * email, phone, payment-card and secrets detectors on the request and the response. It decides
 * nothing, so evaluation goes on to the policy mix.
 */
export function maskPolicy(when: string, connections = ["*"]): Resource {
  return create(ResourceSchema, {
    resource: {
      case: "policy",
      value: {
        name: "mask-pii", priority: 2000, connections, when, action: PolicyAction.MASK,
        detectors: ["email", "phone", "payment-card", "secrets"], direction: MaskDirection.BOTH,
      },
    },
  });
}

/** Options of the agent process. */
export interface AgentOptions {
  /** Exchanges the agent holds awaiting ACK (`--buffer-size`); the agent's default when absent. */
  bufferSize?: number;
}

/** The control plane in a process of its own, on PostgreSQL when reachable, else PGlite; resolves once its admin API answers. */
async function startControlPlaneProcess(): Promise<{ url: string; pid: number; storage: string; close(): Promise<void> }> {
  const db = await testDatabase();
  const dataDir = db.url === undefined ? await mkdtemp(join(tmpdir(), "palisade-bench-")) : undefined;
  const port = await freePort();
  const env: Record<string, string> = { PALISADE_ADMIN_TOKEN: adminToken, PALISADE_SECRET_KEY: Buffer.alloc(32, 7).toString("base64") };
  if (db.url !== undefined) env.DATABASE_URL = db.url;
  const args = ["control-plane", "--listen", `127.0.0.1:${port}`, "--log-level", "warn", ...(dataDir ? ["--data-dir", dataDir] : [])];
  const process = spawnPalisade(args, env);
  const close = async () => {
    await process.stop();
    await db.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await until("the control plane to listen", async () => (await fetch(`${url}/healthz`)).ok);
  } catch (error) {
    await close();
    throw error;
  }
  return { url, pid: process.child.pid!, storage: db.url === undefined ? "PGlite" : "PostgreSQL", close };
}

/** The admin API of the control plane at `url`, as the bench's admin. */
function adminTransport(url: string) {
  const bearer: Interceptor = (next) => (request) => {
    request.header.set("authorization", `Bearer ${adminToken}`);
    return next(request);
  };
  return createConnectTransport({ baseUrl: url, httpVersion: "1.1", interceptors: [bearer] });
}

/** Applies connections `openai` and `plain` → `upstream`, the policy mix and `extra`; returns a caller JWT. */
async function configure(controlPlaneUrl: string, upstream: string, extra: Resource[]): Promise<string> {
  const transport = adminTransport(controlPlaneUrl);
  const connections = ["openai", "plain"].map((name) => create(ResourceSchema, {
    resource: { case: "connection", value: { name, provider: Provider.OPENAI, upstream, credential: { header: "authorization", value: "Bearer sk-bench" } } },
  }));
  const policies = policyMix(20).map(({ keywords, patterns, ...fields }) =>
    create(ResourceSchema, { resource: { case: "policy", value: { ...fields, connections: ["*"], match: { keywords, patterns } } } }),
  );
  await createClient(ResourceService, transport).apply({ resources: [...connections, ...policies, ...extra] });
  const { token } = await createClient(TokenService, transport).createToken({ subject: "bench-user", groups: ["eng", "staff"] });
  return token;
}

/** Resolves once the agent at `baseURL` serves connection `openai` to `token`. */
function untilServing(baseURL: string, token: string): Promise<void> {
  return until("the agent to serve connection openai", async () => {
    const response = await fetch(`${baseURL}/models`, { headers: { authorization: `Bearer ${token}` } });
    await response.body?.cancel();
    return response.status === 200;
  });
}

const bufferArgs = (options: AgentOptions) => (options.bufferSize === undefined ? [] : ["--buffer-size", String(options.bufferSize)]);

/** Starts the control plane and an agent process serving `openai` → `upstream` under the policy mix (and `extra` resources). */
export async function startPalisadePath(upstream: string, extra: Resource[] = [], options: AgentOptions = {}): Promise<PalisadePath> {
  const controlPlane = await startControlPlaneProcess();
  let agent: BenchProcess | undefined;
  try {
    const token = await configure(controlPlane.url, upstream, extra);
    const { token: enrolment } = await createClient(AgentAdminService, adminTransport(controlPlane.url)).createAgent({ name: "bench-agent" });
    const port = await freePort();
    const args = ["agent", "--server", controlPlane.url, "--token", enrolment, "--agent-listen", `127.0.0.1:${port}`, "--log-level", "warn", ...bufferArgs(options)];
    agent = spawnPalisade(args, {}, true, process.env.PALISADE_BENCH_AGENT_ENTRY);
    const baseURL = `http://127.0.0.1:${port}/openai/v1`;
    await untilServing(baseURL, token);
    const running = agent;
    return {
      baseURL,
      plainURL: `http://127.0.0.1:${port}/plain/v1`,
      token,
      agentPid: running.child.pid!,
      controlPlanePid: controlPlane.pid,
      storage: controlPlane.storage,
      async close() {
        await running.stop();
        await controlPlane.close();
      },
    };
  } catch (error) {
    await agent?.stop();
    await controlPlane.close();
    throw error;
  }
}

/**
 * `palisade up` (what `npm start` runs): control plane, embedded PGlite and agent `local` started
 * by one command, configured like `startPalisadePath`. `agentPid` is that command's process.
 */
export async function startPalisadeUp(upstream: string, extra: Resource[] = [], options: AgentOptions = {}): Promise<PalisadePath> {
  const dataDir = await mkdtemp(join(tmpdir(), "palisade-bench-up-"));
  const [listen, agentListen] = [await freePort(), await freePort()];
  const args = ["up", "--listen", `127.0.0.1:${listen}`, "--agent-listen", `127.0.0.1:${agentListen}`, "--data-dir", dataDir, "--log-level", "warn", ...bufferArgs(options)];
  const up = spawnPalisade(args, { PALISADE_ADMIN_TOKEN: adminToken, DATABASE_URL: "" }, true, process.env.PALISADE_BENCH_AGENT_ENTRY);
  const close = async () => {
    await up.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const controlPlaneUrl = `http://127.0.0.1:${listen}`;
    await until("palisade up's control plane to listen", async () => (await fetch(`${controlPlaneUrl}/healthz`)).ok);
    const token = await configure(controlPlaneUrl, upstream, extra);
    const baseURL = `http://127.0.0.1:${agentListen}/openai/v1`;
    await untilServing(baseURL, token);
    return { baseURL, plainURL: `http://127.0.0.1:${agentListen}/plain/v1`, token, agentPid: up.child.pid!, storage: "PGlite (palisade up)", close };
  } catch (error) {
    await close();
    throw error;
  }
}

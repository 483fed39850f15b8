// The Palisade path of the overhead benchmark: a real control plane (embedded PGlite, as `palisade
// up` runs it) in this process, and a real agent in its own process (`palisade agent`, as deployed;
// it must not share an event loop with the load generator), with a connection `openai` to the
// provider, a realistic set of 20 policies (CEL conditions, keywords, patterns, one allow) and a
// caller token. `PALISADE_BENCH_CPU_PROF=DIR` runs the agent with `--cpu-prof` into DIR.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { startControlPlane } from "../control-plane/control-plane.js";
import { AgentAdminService } from "../gen/palisade/admin/v1/agent_admin_service_pb.js";
import { Provider, type Resource, ResourceSchema } from "../gen/palisade/admin/v1/resources_pb.js";
import { ResourceService } from "../gen/palisade/admin/v1/resource_service_pb.js";
import { TokenService } from "../gen/palisade/admin/v1/token_service_pb.js";
import { policyMix } from "./policy-set.js";

const adminToken = "pat_bench-admin-token-0123456789abcdef";

/** A running Palisade in front of a provider; `close` stops the agent and the control plane. */
export interface PalisadePath {
  /** Base URL of connection `openai` (append `/chat/completions`). */
  baseURL: string;
  /** A caller JWT accepted by the agent. */
  token: string;
  /** The agent process's id (for its memory figures). */
  agentPid: number;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function spawnAgent(controlPlane: string, token: string, port: number): ChildProcess {
  const profile = process.env.PALISADE_BENCH_CPU_PROF;
  const flags = profile ? ["--cpu-prof", `--cpu-prof-dir=${profile}`] : [];
  const bin = join(import.meta.dirname, "..", "cli", "bin.js");
  const args = [...flags, bin, "agent", "--server", controlPlane, "--token", token, "--agent-listen", `127.0.0.1:${port}`, "--log-level", "warn"];
  return spawn(process.execPath, args, { stdio: ["ignore", "ignore", "inherit"] });
}

/** Starts the control plane and an agent process serving `openai` → `upstream` under the policy mix (and `extra` resources). */
export async function startPalisadePath(upstream: string, extra: Resource[] = []): Promise<PalisadePath> {
  const controlPlane = await startControlPlane({ listen: "127.0.0.1:0", adminToken });
  const bearer: Interceptor = (next) => (request) => {
    request.header.set("authorization", `Bearer ${adminToken}`);
    return next(request);
  };
  const transport = createConnectTransport({ baseUrl: controlPlane.url, httpVersion: "1.1", interceptors: [bearer] });
  const connection = create(ResourceSchema, {
    resource: { case: "connection", value: { name: "openai", provider: Provider.OPENAI, upstream, credential: { header: "authorization", value: "Bearer sk-bench" } } },
  });
  const policies = policyMix(20).map(({ keywords, patterns, ...fields }) =>
    create(ResourceSchema, { resource: { case: "policy", value: { ...fields, connections: ["*"], match: { keywords, patterns } } } }),
  );
  await createClient(ResourceService, transport).apply({ resources: [connection, ...policies, ...extra] });
  const { token: enrolment } = await createClient(AgentAdminService, transport).createAgent({ name: "bench-agent" });
  const { token } = await createClient(TokenService, transport).createToken({ subject: "bench-user", groups: ["eng", "staff"] });
  const port = await freePort();
  const agent = spawnAgent(controlPlane.url, enrolment, port);
  const exited = new Promise((resolve) => agent.once("exit", resolve));
  const baseURL = `http://127.0.0.1:${port}/openai/v1`;
  try {
    await until("the agent to serve connection openai", async () => {
      const response = await fetch(`${baseURL}/models`, { headers: { authorization: `Bearer ${token}` } });
      await response.body?.cancel();
      return response.status === 200;
    });
  } catch (error) {
    agent.kill("SIGTERM");
    await controlPlane.close();
    throw error;
  }
  return {
    baseURL,
    token,
    agentPid: agent.pid!,
    async close() {
      agent.kill("SIGTERM"); // graceful: drains, and writes the CPU profile if asked
      await exited;
      await controlPlane.close();
    },
  };
}

// Applying a large policy set through the real control plane (embedded PGlite, as `palisade up`
// runs it) with the admin API's Connect client, and timing until an agent enforces it: the apply
// RPC (validation incl. CEL compilation and ReDoS analysis of patterns, storage, audit) and then
// the snapshot rebuild, push and the agent's compilation, seen as the first allowed request.
import { create } from "@bufbuild/protobuf";
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { startAgent } from "../agent/agent.js";
import { startControlPlane } from "../control-plane/control-plane.js";
import { AgentAdminService } from "../gen/palisade/admin/v1/agent_admin_service_pb.js";
import { Provider, ResourceSchema, type Resource } from "../gen/palisade/admin/v1/resources_pb.js";
import { ResourceService } from "../gen/palisade/admin/v1/resource_service_pb.js";
import { TokenService } from "../gen/palisade/admin/v1/token_service_pb.js";
import { startStandInProvider } from "../test/support/stand-in-provider.js";
import { timeMs, type Metric } from "./bench.js";
import { policyMix } from "./policy-set.js";

const adminToken = "pat_bench-admin-token-0123456789abcdef";

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Apply time of `count` policies and the time until an agent enforces them. */
export async function measureApply(count: number): Promise<Metric[]> {
  const controlPlane = await startControlPlane({ listen: "127.0.0.1:0", adminToken });
  const provider = await startStandInProvider();
  const bearer: Interceptor = (next) => (request) => {
    request.header.set("authorization", `Bearer ${adminToken}`);
    return next(request);
  };
  const transport = createConnectTransport({ baseUrl: controlPlane.url, httpVersion: "1.1", defaultTimeoutMs: 300_000, interceptors: [bearer] });
  const resources = createClient(ResourceService, transport);
  const { token: enrolment } = await createClient(AgentAdminService, transport).createAgent({ name: "bench-agent" });
  const agent = await startAgent({ listen: "127.0.0.1:0", controlPlane: controlPlane.url, token: enrolment });
  try {
    const connection = create(ResourceSchema, {
      resource: { case: "connection", value: { name: "openai", provider: Provider.OPENAI, upstream: provider.url, credential: { header: "authorization", value: "Bearer sk-bench" } } },
    });
    await resources.apply({ resources: [connection] });
    const { token } = await createClient(TokenService, transport).createToken({ subject: "bench-user", groups: ["eng"] });
    const status = async () => {
      const response = await fetch(`${agent.url}/openai/v1/models`, { headers: { authorization: `Bearer ${token}` } });
      await response.body?.cancel();
      return response.status;
    };
    await until("the agent to serve the connection (default deny)", async () => (await status()) === 403);

    const policies: Resource[] = policyMix(count).map(({ keywords, patterns, ...fields }) =>
      create(ResourceSchema, { resource: { case: "policy", value: { ...fields, connections: ["*"], match: { keywords, patterns } } } }),
    );
    const started = process.hrtime.bigint();
    const applyMs = await timeMs(() => resources.apply({ resources: policies }));
    await until("the agent to enforce the policies", async () => (await status()) === 200);
    const enforcedMs = Number(process.hrtime.bigint() - started) / 1e6;
    return [
      { name: `apply ${count} policies`, value: applyMs / 1000, unit: "s", note: "one Apply RPC, embedded PGlite" },
      { name: `apply ${count} policies until enforced`, value: enforcedMs / 1000, unit: "s", note: "until the agent allows a request" },
    ];
  } finally {
    await agent.close();
    await controlPlane.close();
    await provider.close();
  }
}

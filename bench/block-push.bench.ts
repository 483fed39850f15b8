// How fast a block reaches every agent: a real control plane (embedded PGlite, as `palisade up`)
// with two agents. A token spike is sent through agent A; the figure is the time until agent B —
// which never saw that caller — refuses the caller with 403. Measured from the spike's response
// (covers: the exchange shipped over A's stream, committed, the evaluator's pass, the block's
// commit, the snapshot rebuild and push, B's compile) and from the alert's fire time (push only).
// Also a manual block (CreateBlock RPC) until B refuses. Target: within one second (issue 6).
import { create } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { startAgent, type Agent } from "../agent/agent.js";
import { startControlPlane } from "../control-plane/control-plane.js";
import { AgentAdminService } from "../gen/palisade/admin/v1/agent_admin_service_pb.js";
import { BlockService } from "../gen/palisade/admin/v1/block_service_pb.js";
import { PolicyAction, Provider, ResourceSchema } from "../gen/palisade/admin/v1/resources_pb.js";
import { ResourceService } from "../gen/palisade/admin/v1/resource_service_pb.js";
import { TokenService } from "../gen/palisade/admin/v1/token_service_pb.js";
import { startStandInProvider } from "../test/support/stand-in-provider.js";
import { percentile, type Bench } from "./bench.js";

const adminToken = "pat_bench-admin-token-0123456789abcdef";
const ROUNDS = 5;

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function status(agent: Agent, token: string): Promise<number> {
  const response = await fetch(`${agent.url}/standin/v1/models`, { headers: { authorization: `Bearer ${token}` } });
  await response.body?.cancel();
  return response.status;
}

const bench: Bench = {
  description: "token spike on agent A until agent B refuses the caller (autoBlock), and a manual block until B refuses",
  async run() {
    const controlPlane = await startControlPlane({ listen: "127.0.0.1:0", adminToken });
    const provider = await startStandInProvider();
    const bearer: Interceptor = (next) => (request) => {
      request.header.set("authorization", `Bearer ${adminToken}`);
      return next(request);
    };
    const transport = createConnectTransport({ baseUrl: controlPlane.url, httpVersion: "1.1", interceptors: [bearer] });
    const agents = createClient(AgentAdminService, transport);
    const tokens = createClient(TokenService, transport);
    const blocks = createClient(BlockService, transport);
    const a = await startAgent({ listen: "127.0.0.1:0", controlPlane: controlPlane.url, token: (await agents.createAgent({ name: "agent-a" })).token });
    const b = await startAgent({ listen: "127.0.0.1:0", controlPlane: controlPlane.url, token: (await agents.createAgent({ name: "agent-b" })).token });
    try {
      await createClient(ResourceService, transport).apply({ resources: [
        create(ResourceSchema, { resource: { case: "connection", value: { name: "standin", provider: Provider.OPENAI, upstream: provider.url, credential: { header: "authorization", value: "Bearer sk-bench" } } } }),
        create(ResourceSchema, { resource: { case: "policy", value: { name: "allow-all", connections: ["*"], action: PolicyAction.ALLOW } } }),
        create(ResourceSchema, { resource: { case: "alertRule", value: {
          name: "burst", condition: { case: "tokenSpike", value: { window: { seconds: 60n }, minTokens: 500n } }, autoBlock: { duration: { seconds: 3600n } },
        } } }),
      ] });
      const prompt = Array.from({ length: 800 }, (_, i) => `w${i}`).join(" ");
      const fromSpike: number[] = [];
      const fromAlert: number[] = [];
      const manual: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const { token } = await tokens.createToken({ subject: `spiky-${round}` });
        await until("both agents to serve", async () => ((await status(a, token)) === 200 && (await status(b, token)) === 200 ? true : undefined));
        const response = await fetch(`${a.url}/standin/v1/chat/completions`, {
          method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ model: "stand-in", messages: [{ role: "user", content: prompt }] }),
        });
        await response.text();
        const sentAt = Date.now();
        const refusedAt = await until("agent B to refuse", async () => ((await status(b, token)) === 403 ? Date.now() : undefined));
        const { alerts } = await blocks.listAlerts({ subject: `spiky-${round}` });
        fromSpike.push(refusedAt - sentAt);
        fromAlert.push(refusedAt - timestampMs(alerts[0]!.fireTime!));

        const { token: other } = await tokens.createToken({ subject: `manual-${round}` });
        await until("agent B to serve", async () => ((await status(b, other)) === 200 ? true : undefined));
        const started = Date.now();
        await blocks.createBlock({ subject: `manual-${round}`, reason: "bench" });
        manual.push(await until("agent B to refuse", async () => ((await status(b, other)) === 403 ? Date.now() : undefined)) - started);
      }
      const note = `${ROUNDS} rounds, target < 1000 ms`;
      return [
        { name: "spike response to refusal on agent B p50", value: percentile(fromSpike, 50), unit: "ms", note },
        { name: "spike response to refusal on agent B max", value: Math.max(...fromSpike), unit: "ms", note },
        { name: "alert fired to refusal on agent B p50", value: percentile(fromAlert, 50), unit: "ms", note },
        { name: "alert fired to refusal on agent B max", value: Math.max(...fromAlert), unit: "ms", note },
        { name: "CreateBlock to refusal on agent B p50", value: percentile(manual, 50), unit: "ms", note },
        { name: "CreateBlock to refusal on agent B max", value: Math.max(...manual), unit: "ms", note },
      ];
    } finally {
      await a.close();
      await b.close();
      await controlPlane.close();
      await provider.close();
    }
  },
};

export default bench;

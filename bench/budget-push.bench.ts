// How fast a spent budget reaches every agent: a real control plane (embedded PGlite, as `palisade
// up`) with two agents and a Budget of 100 tokens per subject and day. One request through agent A
// spends it; the figure is the time from that response until agent B, which never saw the caller,
// refuses the caller with 429. Covers the exchange shipped over A's stream and committed, the
// budget pass, the state's commit, the snapshot rebuild and push, and B's compile. Target: well
// under a second (issue 14), as for alert blocks (bench/block-push).
import { create } from "@bufbuild/protobuf";
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { startAgent, type Agent } from "../agent/agent.js";
import { startControlPlane } from "../control-plane/control-plane.js";
import { AgentAdminService } from "../gen/palisade/admin/v1/agent_admin_service_pb.js";
import { BudgetPeriod, BudgetScope, PolicyAction, Provider, ResourceSchema } from "../gen/palisade/admin/v1/resources_pb.js";
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
  description: "a request that spends a Budget on agent A until agent B refuses the caller with 429",
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
    const a = await startAgent({ listen: "127.0.0.1:0", controlPlane: controlPlane.url, token: (await agents.createAgent({ name: "agent-a" })).token });
    const b = await startAgent({ listen: "127.0.0.1:0", controlPlane: controlPlane.url, token: (await agents.createAgent({ name: "agent-b" })).token });
    try {
      await createClient(ResourceService, transport).apply({ resources: [
        create(ResourceSchema, { resource: { case: "connection", value: { name: "standin", provider: Provider.OPENAI, upstream: provider.url, credential: { header: "authorization", value: "Bearer sk-bench" } } } }),
        create(ResourceSchema, { resource: { case: "policy", value: { name: "allow-all", connections: ["*"], action: PolicyAction.ALLOW } } }),
        create(ResourceSchema, { resource: { case: "budget", value: { name: "daily", per: BudgetScope.SUBJECT, period: BudgetPeriod.DAY, tokens: 100n } } }),
      ] });
      const prompt = Array.from({ length: 200 }, (_, i) => `w${i}`).join(" ");
      const spentToRefusal: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const { token } = await tokens.createToken({ subject: `spender-${round}` });
        await until("both agents to serve", async () => ((await status(a, token)) === 200 && (await status(b, token)) === 200 ? true : undefined));
        const response = await fetch(`${a.url}/standin/v1/chat/completions`, {
          method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ model: "stand-in", messages: [{ role: "user", content: prompt }] }),
        });
        await response.text();
        const spentAt = Date.now();
        spentToRefusal.push(await until("agent B to refuse", async () => ((await status(b, token)) === 429 ? Date.now() : undefined)) - spentAt);
      }
      const note = `${ROUNDS} rounds, target well under 1000 ms`;
      return [
        { name: "budget spent on A to 429 on agent B p50", value: percentile(spentToRefusal, 50), unit: "ms", note },
        { name: "budget spent on A to 429 on agent B max", value: Math.max(...spentToRefusal), unit: "ms", note },
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

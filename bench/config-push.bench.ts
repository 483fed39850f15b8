// Config push: the time from an admin's `apply` until 100 connected agents have applied the new
// snapshot and ACKed it. A real control plane (embedded PGlite, as `palisade up`) and 100 agents
// simulated in this process: each is the agent's own stream client and snapshot store (the code
// `palisade agent` runs, compile included) on a gRPC connection of its own — only the HTTP proxy is
// left out. An agent's time is taken when its store has swapped in the new version; the ACK is
// written on the stream right after.
import { create } from "@bufbuild/protobuf";
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { pino } from "pino";
import { createSnapshotStore } from "../agent/config/snapshot-store.js";
import { createExchangeBuffer } from "../agent/stream/exchange-buffer.js";
import { startStreamClient, type StreamClient } from "../agent/stream/stream-client.js";
import { startControlPlane } from "../control-plane/control-plane.js";
import { AgentAdminService } from "../gen/palisade/admin/v1/agent_admin_service_pb.js";
import { Provider, ResourceSchema, type Resource } from "../gen/palisade/admin/v1/resources_pb.js";
import { ResourceService } from "../gen/palisade/admin/v1/resource_service_pb.js";
import { percentile, type Bench, type Metric } from "./bench.js";
import { policyMix } from "./policy-set.js";

const adminToken = "pat_bench-admin-token-0123456789abcdef";
const agentCount = 100;
const rounds = 7;

function policies(round: number): Resource[] {
  // The realistic 20-policy mix, plus one policy whose name changes every round (a real change).
  const change = { ...policyMix(2)[0]!, name: `round-${round}`, priority: 1, when: "", keywords: [`round-${round}`], patterns: [] };
  return [...policyMix(20), change].map(
    ({ keywords, patterns, ...fields }) =>
      create(ResourceSchema, { resource: { case: "policy", value: { ...fields, connections: ["*"], match: { keywords, patterns } } } }),
  );
}

const bench: Bench = {
  description: `apply → snapshot applied and ACKed on ${agentCount} connected agents (real gRPC streams, one process)`,
  async run(): Promise<Metric[]> {
    const controlPlane = await startControlPlane({ listen: "127.0.0.1:0", adminToken });
    const bearer: Interceptor = (next) => (request) => {
      request.header.set("authorization", `Bearer ${adminToken}`);
      return next(request);
    };
    const transport = createConnectTransport({ baseUrl: controlPlane.url, httpVersion: "1.1", interceptors: [bearer] });
    const resources = createClient(ResourceService, transport);
    const admin = createClient(AgentAdminService, transport);
    const logger = pino({ level: "silent" });
    const clients: StreamClient[] = [];
    // Per agent: when it last swapped in a version, and which.
    const applied: { version: string; at: number }[] = [];
    const compileMs: number[] = [];
    try {
      await resources.apply({
        resources: [
          create(ResourceSchema, {
            resource: { case: "connection", value: { name: "openai", provider: Provider.OPENAI, upstream: "http://127.0.0.1:9", credential: { header: "authorization", value: "Bearer sk-bench" } } },
          }),
          ...policies(0),
        ],
      });
      for (let i = 0; i < agentCount; i++) {
        const { token } = await admin.createAgent({ name: `push-${i}` });
        const store = createSnapshotStore();
        const state = { version: "", at: 0 };
        applied.push(state);
        const apply = store.apply.bind(store);
        store.apply = (snapshot) => {
          const began = performance.now();
          const result = apply(snapshot);
          compileMs.push(performance.now() - began);
          if (result.error === "") Object.assign(state, { version: result.version, at: performance.now() });
          return result;
        };
        clients.push(startStreamClient({ controlPlane: controlPlane.url, token, segment: "", version: "bench", store, buffer: createExchangeBuffer(10), logger }));
      }
      const allOn = async (version: (v: string) => boolean, timeoutMs = 60_000) => {
        const deadline = Date.now() + timeoutMs;
        while (!applied.every((state) => version(state.version))) {
          if (Date.now() > deadline) throw new Error("timed out waiting for every agent to apply the snapshot");
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      };
      await allOn((v) => v !== "");

      compileMs.length = 0;
      const slowest: number[] = [];
      const afterRpc: number[] = [];
      const median: number[] = [];
      const applyRpc: number[] = [];
      for (let round = 1; round <= rounds; round++) {
        const before = applied[0]!.version;
        await allOn((v) => v === before);
        const started = performance.now();
        await resources.apply({ resources: policies(round) });
        applyRpc.push(performance.now() - started);
        await allOn((v) => v !== before);
        const times = applied.map((state) => state.at - started);
        slowest.push(Math.max(...times));
        afterRpc.push(Math.max(...times) - applyRpc.at(-1)!);
        median.push(percentile(times, 50));
      }
      // The first round warms the paths up; the rest are measured.
      const measured = (samples: number[]) => percentile(samples.slice(1), 50);
      const note = `median of ${rounds - 1} applies (21 policies each), ${agentCount} agents`;
      return [
        { name: `apply to ACK, slowest of ${agentCount} agents`, value: measured(slowest), unit: "ms", note: `${note}; target < 1 s` },
        { name: `apply to ACK, median agent`, value: measured(median), unit: "ms", note },
        { name: "apply RPC alone", value: measured(applyRpc), unit: "ms", note: "validation, storage and audit (embedded PGlite)" },
        { name: `end of apply RPC to ACK, slowest of ${agentCount} agents`, value: measured(afterRpc), unit: "ms", note: "rebuild, push, compile, ACK" },
        {
          name: "snapshot compile, one agent",
          value: percentile(compileMs, 50),
          unit: "ms",
          note: `p50; the ${agentCount} simulated agents compile one after another on this one event loop`,
        },
      ];
    } finally {
      await Promise.all(clients.map((client) => client.close()));
      await controlPlane.close();
    }
  },
};

export default bench;

// Health, readiness, metrics and log redaction of a real control plane and agent: one stack, one
// caller, traffic through the agent, and every log line both servers wrote captured and searched
// for the secrets they handled.
import { Writable } from "node:stream";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sample } from "../support/metrics.js";
import { startAgent, type Agent } from "../../agent/agent.js";
import { createServerLogger } from "../../cli/logger.js";
import type { ControlPlane } from "../../control-plane/control-plane.js";
import { Health, HealthCheckResponse_ServingStatus as Status } from "../../gen/grpc/health/v1/health_pb.js";
import { eventually } from "../support/eventually.js";
import { startStandInProvider, type StandInProvider } from "../support/stand-in-provider.js";
import { palisade, standInResources, startControlPlaneBed, type ControlPlaneBed } from "../support/control-plane-bed.js";

const adminToken = "pat_observability-admin-token-0123456789";
const upstreamSecret = "sk-observability-upstream-secret";

// Every line a logger writes, kept as text.
function capture(lines: string[]) {
  return new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
}

async function get(url: string): Promise<{ status: number; text: string; type: string }> {
  const response = await fetch(url);
  return { status: response.status, text: await response.text(), type: response.headers.get("content-type") ?? "" };
}

let bed: ControlPlaneBed;
let controlPlane: ControlPlane;
let provider: StandInProvider;
let agent: Agent;
let env: Record<string, string>;
let callerToken: string;
let enrolment: string;
const controlPlaneLines: string[] = [];
const agentLines: string[] = [];

beforeAll(async () => {
  bed = await startControlPlaneBed({ controlPlane: { adminToken, logger: createServerLogger("trace", capture(controlPlaneLines)) } });
  ({ controlPlane, env } = bed);
  provider = await startStandInProvider();
  enrolment = (await palisade(env, ["agent", "create", "observed"])).trim();
  agent = await startAgent({ listen: "127.0.0.1:0", controlPlane: controlPlane.url, token: enrolment, logger: createServerLogger("trace", capture(agentLines)) });
  await palisade(env, ["apply", "-f", "-"], standInResources(provider.url, upstreamSecret));
  callerToken = (await palisade(env, ["token", "create", "--subject", "observer@example.com"])).trim();
  await eventually("the agent to serve standin", async () => {
    const response = await fetch(`${agent.url}/standin/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${callerToken}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "stand-in-1", messages: [{ role: "user", content: "hello" }] }),
    });
    await response.body?.cancel();
    return response.status === 200 ? true : undefined;
  });
}, 60_000);

afterAll(async () => {
  await agent?.close();
  await provider?.close();
  await bed?.close();
});

describe("control plane", () => {
  it("is live and ready, with the configuration version in the readiness answer", async () => {
    expect((await get(`${controlPlane.url}/healthz`)).status).toBe(200);
    const ready = await get(`${controlPlane.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.type).toContain("application/json");
    const body = JSON.parse(ready.text) as { ready: boolean; version: string };
    expect(body.ready).toBe(true);
    expect(Number(body.version)).toBeGreaterThan(0);
  });

  it("answers the standard gRPC health service", async () => {
    const health = createClient(Health, createGrpcTransport({ baseUrl: controlPlane.url }));
    expect((await health.check({ service: "" })).status).toBe(Status.SERVING);
    expect((await health.check({ service: "palisade.agent.v1.AgentService" })).status).toBe(Status.SERVING);
    const unknown = await health.check({ service: "no.such.Service" }).catch((error: unknown) => ConnectError.from(error));
    expect(unknown).toBeInstanceOf(ConnectError);
    expect((unknown as ConnectError).code).toBe(Code.NotFound);
    const listed = await health.list({});
    expect(listed.statuses["palisade.admin.v1.ResourceService"]?.status).toBe(Status.SERVING);
    for await (const update of health.watch({ service: "" })) {
      expect(update.status).toBe(Status.SERVING);
      break; // the first message is the status now; leaving the loop cancels the call
    }
  });

  it("exports its metrics, which move with admin calls and ingested exchanges", async () => {
    const apply = 'palisade_control_plane_rpc_requests_total{service="palisade.admin.v1.ResourceService",method="Apply",code="OK"}';
    const before = await get(`${controlPlane.url}/metrics`);
    expect(before.status).toBe(200);
    expect(before.type).toContain("text/plain");
    const applied = sample(before.text, apply) ?? 0;
    expect(applied).toBeGreaterThan(0);
    expect(sample(before.text, "palisade_control_plane_connected_agents")).toBe(1);
    expect(sample(before.text, "palisade_control_plane_snapshot_version")).toBeGreaterThan(0);
    expect(sample(before.text, "palisade_control_plane_snapshot_rebuilds_total")).toBeGreaterThan(0);
    expect(sample(before.text, "palisade_control_plane_change_listener_up")).toBe(1);
    expect(sample(before.text, "palisade_control_plane_agent_connects_total")).toBeGreaterThan(0);
    expect(before.text).toContain("palisade_control_plane_rpc_duration_seconds_bucket");
    expect(before.text).toContain("palisade_process_resident_memory_bytes");

    await palisade(env, ["apply", "-f", "-"], "kind: Policy\nname: allow-all\nconnections: [\"*\"]\naction: allow\nreason: again\n");
    const after = await eventually("exchanges to be committed", async () => {
      const text = (await get(`${controlPlane.url}/metrics`)).text;
      return (sample(text, "palisade_control_plane_exchange_rows_committed_total") ?? 0) > 0 ? text : undefined;
    });
    expect(sample(after, apply)).toBe(applied + 1);
    expect(sample(after, "palisade_control_plane_exchange_batches_committed_total")).toBeGreaterThan(0);
    expect(sample(after, "palisade_control_plane_ingest_lag_seconds_count")).toBeGreaterThan(0);
  });
});

describe("agent", () => {
  it("serves health and readiness under /-/, beside the connections", async () => {
    const live = await get(`${agent.url}/-/healthz`);
    expect(live.status).toBe(200);
    const ready = await get(`${agent.url}/-/readyz`);
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.text)).toMatchObject({ ready: true });
    expect((await get(`${agent.url}/-/nothing`)).status).toBe(404);
  });

  it("exports request, upstream, policy, stream and buffer metrics", async () => {
    const text = (await get(`${agent.url}/-/metrics`)).text;
    expect(sample(text, 'palisade_agent_requests_total{connection="standin",status="200",verdict="allowed"}')).toBeGreaterThan(0);
    expect(sample(text, 'palisade_agent_upstream_latency_seconds_count{connection="standin"}')).toBeGreaterThan(0);
    expect(sample(text, 'palisade_agent_time_to_first_byte_seconds_count{connection="standin"}')).toBeGreaterThan(0);
    expect(sample(text, 'palisade_agent_policy_decisions_total{policy="allow-all",verdict="allowed"}')).toBeGreaterThan(0);
    expect(sample(text, "palisade_agent_stream_connected")).toBe(1);
    expect(sample(text, "palisade_agent_snapshot_version")).toBeGreaterThan(0);
    expect(sample(text, "palisade_agent_buffer_exchanges")).toBeGreaterThanOrEqual(0);
    expect(sample(text, "palisade_agent_buffer_full_refusals_total")).toBe(0);
    expect(sample(text, "palisade_agent_snapshot_nacks_total")).toBe(0);

    const refused = await fetch(`${agent.url}/standin/v1/models`, { headers: { authorization: "Bearer not-a-token" } });
    await refused.body?.cancel();
    expect(refused.status).toBe(401);
    const later = (await get(`${agent.url}/-/metrics`)).text;
    expect(sample(later, 'palisade_agent_requests_total{connection="standin",status="401",verdict="denied"}')).toBe(1);
  });

  it("is live but not ready without a control plane", async () => {
    const lonely = await startAgent({ listen: "127.0.0.1:0", controlPlane: "http://127.0.0.1:1", token: "lonely.secret" });
    try {
      expect((await get(`${lonely.url}/-/healthz`)).status).toBe(200);
      const ready = await get(`${lonely.url}/-/readyz`);
      expect(ready.status).toBe(503);
      expect(JSON.parse(ready.text)).toMatchObject({ ready: false, reason: expect.stringContaining("no configuration") });
      expect(sample((await get(`${lonely.url}/-/metrics`)).text, "palisade_agent_stream_connected")).toBe(0);
    } finally {
      await lonely.close();
    }
  });
});

describe("logs", () => {
  it("are JSON lines and never carry the upstream credential, the caller JWT or the tokens", async () => {
    // A request with the secrets in headers the agent logs about (debug "exchange" line at least).
    const response = await fetch(`${agent.url}/standin/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${callerToken}`, "content-type": "application/json", "x-api-key": callerToken },
      body: JSON.stringify({ model: "stand-in-1", messages: [{ role: "user", content: "log me not" }] }),
    });
    await response.text();
    expect(response.status).toBe(200);
    expect(provider.requests.at(-1)?.headers.authorization).toBe(`Bearer ${upstreamSecret}`);
    await eventually("the exchange to be logged", async () => (agentLines.some((line) => line.includes('"msg":"exchange"')) ? true : undefined));

    const all = [...controlPlaneLines, ...agentLines];
    expect(controlPlaneLines.length).toBeGreaterThan(0);
    for (const line of all) expect(() => JSON.parse(line)).not.toThrow();
    const text = all.join("");
    expect(text).toContain('"component":"agent"');
    expect(text).toContain('"component":"control-plane"');
    for (const secret of [upstreamSecret, callerToken, adminToken, enrolment, enrolment.split(".")[1]!]) {
      expect(text.includes(secret), `a log line carries ${secret.slice(0, 12)}…`).toBe(false);
    }
  });
});

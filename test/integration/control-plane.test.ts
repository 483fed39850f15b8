// The composed control plane on a real port with the embedded database on disk: admin API over
// HTTP/1.1 JSON (curl's way) and gRPC, the admin-token gate, the agent stream beside it with its own
// authentication, and state (data, admin token) surviving a restart.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentAdminService } from "../../gen/palisade/admin/v1/agent_admin_service_pb.js";
import { ResourceService } from "../../gen/palisade/admin/v1/resource_service_pb.js";
import { Kind } from "../../gen/palisade/admin/v1/resources_pb.js";
import { openStream } from "../stream/harness.js";
import { startControlPlane } from "../../control-plane/control-plane.js";

async function post(url: string, method: string, body: unknown, token?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${url}/palisade.admin.v1.${method}`, { method: "POST", headers, body: JSON.stringify(body) });
  return { status: response.status, json: await response.json() as Record<string, unknown> };
}

describe("startControlPlane on the embedded database", () => {
  let dataDir: string;
  beforeAll(async () => { dataDir = await mkdtemp(join(tmpdir(), "palisade-cp-")); });
  afterAll(async () => { await rm(dataDir, { recursive: true, force: true }); });

  // Three starts of a control plane on the embedded database (migrations each time): slow on a loaded machine.
  it("serves the admin API and the agent stream, and keeps its state across restarts", { timeout: 120_000 }, async () => {
    const first = await startControlPlane({ listen: "127.0.0.1:0", dataDir });
    let adminToken: string;
    try {
      expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      adminToken = first.generatedAdminToken!;
      expect(adminToken).toMatch(/^pat_/);

      const refused = await post(first.url, "ResourceService/ListResources", { kind: "KIND_CONNECTION" });
      expect(refused.status).toBe(401);
      expect(refused.json.code).toBe("unauthenticated");

      const applied = await post(first.url, "ResourceService/Apply", { resources: [{ connection: {
        name: "openai", provider: "PROVIDER_OPENAI", upstream: "https://api.openai.com",
        credential: { header: "authorization", value: "Bearer sk-test" },
      } }] }, adminToken);
      expect(applied.status).toBe(200);
      expect(applied.json).toEqual({ results: [{ kind: "KIND_CONNECTION", name: "openai", outcome: "OUTCOME_CREATED" }] });

      // gRPC on the same port; the agent stream needs no admin token, only its enrolment token.
      const grpc = createGrpcTransport({ baseUrl: first.url });
      const headers = { authorization: `Bearer ${adminToken}` };
      const { token } = await createClient(AgentAdminService, grpc).createAgent({ name: "edge-1" }, { headers });
      const stream = openStream(grpc, token);
      stream.send({ case: "hello", value: { agentName: "edge-1", version: "test" } });
      await stream.nextOf("welcome");
      const snapshot = await stream.nextOf("snapshot");
      expect(snapshot.connections.map((c) => c.name)).toEqual(["openai"]);
      expect(snapshot.issuers.map((i) => i.name)).toContain("palisade");
      stream.end();
    } finally {
      await first.close();
    }
    await expect(fetch(`${first.url}/healthz`)).rejects.toThrow();

    const second = await startControlPlane({ listen: "127.0.0.1:0", dataDir });
    try {
      expect(second.generatedAdminToken).toBeUndefined();
      const client = createClient(ResourceService, createGrpcTransport({ baseUrl: second.url }));
      const { resource } = await client.getResource({ kind: Kind.CONNECTION, name: "openai" }, { headers: { authorization: `Bearer ${adminToken}` } });
      expect(resource?.resource.value?.name).toBe("openai");
    } finally {
      await second.close();
    }

    // A given admin token replaces the stored bootstrap token.
    const third = await startControlPlane({ listen: "127.0.0.1:0", dataDir, adminToken: "pat_given" });
    try {
      expect(third.generatedAdminToken).toBeUndefined();
      expect((await post(third.url, "AgentAdminService/ListAgents", {}, adminToken)).status).toBe(401);
      const listed = await post(third.url, "AgentAdminService/ListAgents", {}, "pat_given");
      expect((listed.json.agents as Array<{ name: string }>).map((a) => a.name)).toEqual(["edge-1"]);
    } finally {
      await Promise.all([third.close(), third.close()]);  // closing twice is harmless
    }
  });
});

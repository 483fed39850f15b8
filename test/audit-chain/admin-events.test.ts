// Mutating admin RPCs leave 'admin' entries in the chain (who, which RPC, what it named, never a
// secret), committed with their change; reads and refused calls leave none.
import { create } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentAdminService } from "../../gen/palisade/admin/v1/agent_admin_service_pb.js";
import { ResourceService } from "../../gen/palisade/admin/v1/resource_service_pb.js";
import { Kind, Provider, ResourceSchema } from "../../gen/palisade/admin/v1/resources_pb.js";
import { TokenService } from "../../gen/palisade/admin/v1/token_service_pb.js";
import { verifyStoredLog } from "../../control-plane/audit/verify-stored-log.js";
import { type AdminHarness, startAdminHarness } from "../admin/admin-harness.js";

interface AdminEntry { subject: string; payload: { rpc: string; request: Record<string, unknown>; response?: Record<string, unknown> } }

describe("admin actions in the audit chain", () => {
  let admin: AdminHarness;
  const entries = async () => admin.db.em().execute<AdminEntry[]>("select subject, payload from audit_log where type = 'admin' order by seq");

  beforeAll(async () => { admin = await startAdminHarness(); }, 60_000);
  afterAll(async () => { await admin?.close(); });

  it("records Apply, CreateAgent, CreateToken, RevokeToken, DeleteAgent and DeleteResource", async () => {
    await admin.client(ResourceService).apply({ resources: [create(ResourceSchema, { resource: { case: "connection", value: {
      name: "openai", provider: Provider.OPENAI, upstream: "https://api.openai.com",
      credential: { header: "authorization", value: "Bearer sk-very-secret" },
    } } })] });
    const { token: enrolment } = await admin.client(AgentAdminService).createAgent({ name: "edge-1", segment: "eu" });
    const { token, jti } = await admin.client(TokenService).createToken({ subject: "ci-bot", ttl: { seconds: 120n } });
    await admin.client(TokenService).revokeToken({ jti });
    await admin.client(AgentAdminService).deleteAgent({ name: "edge-1" });
    await admin.client(ResourceService).deleteResource({ kind: Kind.CONNECTION, name: "openai" });
    // Reads are not audited.
    await admin.client(ResourceService).listResources({ kind: Kind.CONNECTION });
    await admin.client(AgentAdminService).listAgents({});

    const stored = await entries();
    expect(stored.map((entry) => entry.payload.rpc)).toEqual([
      "palisade.admin.v1.ResourceService/Apply",
      "palisade.admin.v1.AgentAdminService/CreateAgent",
      "palisade.admin.v1.TokenService/CreateToken",
      "palisade.admin.v1.TokenService/RevokeToken",
      "palisade.admin.v1.AgentAdminService/DeleteAgent",
      "palisade.admin.v1.ResourceService/DeleteResource",
    ]);
    expect(new Set(stored.map((entry) => entry.subject))).toEqual(new Set(["admin-token:bootstrap"]));
    expect(stored[0]!.payload.request).toEqual({ resources: ["connection/openai"] });
    // Carried by the change's own transaction (an entry appended after the RPC adds its response).
    expect(stored[0]!.payload.response).toBeUndefined();
    expect(stored[1]!.payload.request).toEqual({ name: "edge-1", segment: "eu" });
    expect(stored[2]!.payload.request).toMatchObject({ subject: "ci-bot", ttl: "120s" });
    expect(stored[3]!.payload.request).toEqual({ jti });
    expect(stored[5]!.payload.request).toEqual({ kind: "KIND_CONNECTION", name: "openai" });
    const text = JSON.stringify(stored);
    for (const secret of ["sk-very-secret", enrolment, token]) expect(text).not.toContain(secret);
    expect((await verifyStoredLog(admin.db)).ok).toBe(true);
  });

  it("records nothing for a refused call", async () => {
    const before = (await entries()).length;
    await expect(admin.client(AgentAdminService).createAgent({ name: "bad name!" })).rejects.toThrow();
    await expect(admin.client(AgentAdminService, "pat_wrong").deleteAgent({ name: "edge-2" })).rejects.toThrow();
    expect((await entries()).length).toBe(before);
  });
});

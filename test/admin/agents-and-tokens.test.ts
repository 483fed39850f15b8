// AgentAdminService and TokenService through the in-process transport: enrolment tokens shown once
// and rotated, deletion ending streams, and caller tokens that verify against the snapshot's JWKS.
import { create } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentAdminService } from "../../gen/palisade/admin/v1/agent_admin_service_pb.js";
import { ResourceService } from "../../gen/palisade/admin/v1/resource_service_pb.js";
import { ResourceSchema } from "../../gen/palisade/admin/v1/resources_pb.js";
import { TokenService } from "../../gen/palisade/admin/v1/token_service_pb.js";
import { createAgentRegistry } from "../../control-plane/storage/agents.js";
import { type AdminHarness, refusal, startAdminHarness } from "./admin-harness.js";

describe("AgentAdminService", () => {
  let admin: AdminHarness;
  beforeAll(async () => { admin = await startAdminHarness(); });
  afterAll(async () => { await admin?.close(); });

  it("enrols an agent, shows its token once, rotates it, and deletes it", async () => {
    const client = admin.client(AgentAdminService);
    const registry = createAgentRegistry(admin.db);
    const created = await client.createAgent({ name: "edge-1", segment: "edge" });
    expect(created.token).toMatch(/^edge-1\.[A-Za-z0-9_-]{43}$/);
    expect(created.agent).toMatchObject({ name: "edge-1", segment: "edge", connected: false });
    expect(await registry.authenticate(created.token)).toEqual({ name: "edge-1", segment: "edge" });

    const again = await refusal(client.createAgent({ name: "edge-1" }));
    expect(again.code).toBe(Code.AlreadyExists);
    const rotated = await client.createAgent({ name: "edge-1", rotateToken: true });
    expect(rotated.token).not.toBe(created.token);
    expect(await registry.authenticate(created.token)).toBeUndefined();
    expect(rotated.agent?.segment).toBe("edge");
    // Streams opened with the old token end at once (a leaked token is cut off, not only refused next time).
    expect(admin.disconnected).toEqual(["edge-1:rotated"]);

    const pods = [{ agent: "edge-1", instance: "pod-a/1", stream: "a" }, { agent: "edge-1", instance: "pod-b/1", stream: "b" }];
    for (const pod of pods) await registry.connected(pod, { version: "0.1.0", segment: "edge", lastSnapshotVersion: "" });
    await registry.applied(pods[0]!, "12", "");
    await registry.applied(pods[1]!, "9", "");
    let { agent } = await client.getAgent({ name: "edge-1" });
    // The summary's applied version is the slowest connected instance's.
    expect(agent).toMatchObject({ connected: true, connectedInstances: 2, version: "0.1.0", appliedVersion: "9", lastError: "" });
    expect(agent?.instances.map((i) => [i.instance, i.connected, i.appliedVersion])).toEqual([["pod-a/1", true, "12"], ["pod-b/1", true, "9"]]);
    await registry.disconnected(pods[1]!);
    ({ agent } = await client.getAgent({ name: "edge-1" }));
    expect(agent).toMatchObject({ connected: true, connectedInstances: 1, appliedVersion: "12" });
    expect(agent?.instances.map((i) => [i.instance, i.connected])).toEqual([["pod-a/1", true], ["pod-b/1", false]]);
    expect((await client.listAgents({})).agents[0]?.instances).toHaveLength(2);
    expect(agent?.lastSeenTime).toBeDefined();
    expect(agent?.createTime).toBeDefined();

    await client.createAgent({ name: "core-1" });
    expect((await client.listAgents({})).agents.map((a) => a.name)).toEqual(["core-1", "edge-1"]);

    await client.deleteAgent({ name: "edge-1" });
    expect(admin.disconnected).toEqual(["edge-1:rotated", "edge-1:deleted"]);
    expect(await registry.authenticate(rotated.token)).toBeUndefined();
    expect((await refusal(client.getAgent({ name: "edge-1" }))).code).toBe(Code.NotFound);
    expect((await refusal(client.deleteAgent({ name: "edge-1" }))).code).toBe(Code.NotFound);
    expect(admin.disconnected).toEqual(["edge-1:rotated", "edge-1:deleted"]);
  });

  it("shows an agent unheard for three heartbeats as disconnected, whatever its row says", async () => {
    // A control-plane replica that crashed never records the end of its agents' streams.
    const client = admin.client(AgentAdminService);
    await client.createAgent({ name: "orphan" });
    await createAgentRegistry(admin.db).connected({ agent: "orphan", instance: "", stream: "s" }, { version: "0.1.0", segment: "", lastSnapshotVersion: "" });
    expect((await client.getAgent({ name: "orphan" })).agent?.connected).toBe(true);
    await admin.db.em().execute("update agent_instance set last_seen = now() - interval '2 minutes' where agent = 'orphan'");
    expect((await client.getAgent({ name: "orphan" })).agent).toMatchObject({ connected: false, connectedInstances: 0 });
    expect((await client.listAgents({})).agents.find((a) => a.name === "orphan")?.connected).toBe(false);
    // Unheard for longer than the retention window (15 min), the instance is no longer shown.
    await admin.db.em().execute("update agent_instance set last_seen = now() - interval '16 minutes' where agent = 'orphan'");
    expect((await client.getAgent({ name: "orphan" })).agent?.instances).toEqual([]);
  });

  it("refuses bad agent names", async () => {
    const error = await refusal(admin.client(AgentAdminService).createAgent({ name: "Edge.1" }));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toBe("name must be 1-63 lower-case letters, digits or dashes, starting with a letter [string.resource_name]");
  });
});

describe("TokenService", () => {
  let admin: AdminHarness;
  beforeAll(async () => { admin = await startAdminHarness(); });
  afterAll(async () => { await admin?.close(); });

  async function verify(token: string) {
    // Exactly what an agent has: the issuer and inline JWKS from its snapshot.
    await admin.snapshots.refresh();
    const issuer = admin.snapshots.current("").issuers.find((i) => i.name === "palisade")!;
    const keys = createLocalJWKSet(JSON.parse(issuer.jwks));
    return jwtVerify(token, keys, { issuer: issuer.issuer, audience: issuer.audience, algorithms: ["ES256"] });
  }

  it("signs ES256 tokens that verify against the snapshot's JWKS", async () => {
    const response = await admin.client(TokenService).createToken({ subject: "alice", groups: ["eng"], email: "alice@example.com" });
    expect(response.issuer).toBe("urn:palisade:service-accounts");
    const { payload, protectedHeader } = await verify(response.token);
    expect(protectedHeader).toMatchObject({ alg: "ES256" });
    expect(protectedHeader.kid).toBeTruthy();
    expect(payload).toMatchObject({ iss: "urn:palisade:service-accounts", aud: "palisade", sub: "alice", groups: ["eng"], email: "alice@example.com" });
    expect(payload.jti).toBeTruthy();
    // Default lifetime: one hour.
    expect(payload.exp! - payload.iat!).toBe(3600);
    expect(Number(response.expireTime!.seconds)).toBe(payload.exp);
  });

  it("uses a service account's groups when none are given", async () => {
    await admin.client(ResourceService).apply({ resources: [
      create(ResourceSchema, { resource: { case: "serviceAccount", value: { name: "ci-bot", groups: ["bots", "deploy"] } } }),
    ] });
    const own = await admin.client(TokenService).createToken({ subject: "ci-bot", ttl: { seconds: 120n } });
    const { payload } = await verify(own.token);
    expect(payload.groups).toEqual(["bots", "deploy"]);
    expect(payload.exp! - payload.iat!).toBe(120);
    expect(payload).not.toHaveProperty("email");
    const given = await admin.client(TokenService).createToken({ subject: "ci-bot", groups: ["other"] });
    expect((await verify(given.token)).payload.groups).toEqual(["other"]);
    const unknown = await admin.client(TokenService).createToken({ subject: "somebody" });
    expect((await verify(unknown.token)).payload.groups).toEqual([]);
  });

  it("refuses an empty subject and lifetimes outside 1 minute to 30 days", async () => {
    const client = admin.client(TokenService);
    for (const request of [
      { subject: "" },
      { subject: "   " },
      { subject: "a", ttl: { seconds: 59n } },
      { subject: "a", ttl: { seconds: 30n * 24n * 3600n + 1n } },
      { subject: "a", ttl: { seconds: -5n } },
    ]) {
      const error = await refusal(client.createToken(request));
      expect(error.code).toBe(Code.InvalidArgument);
    }
    const longest = await client.createToken({ subject: "a", ttl: { seconds: 30n * 24n * 3600n } });
    expect(decodeProtectedHeader(longest.token).alg).toBe("ES256");
  });
});

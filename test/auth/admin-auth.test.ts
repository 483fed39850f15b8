// Authentication and authorisation beyond the matrix: refused tokens, caller JWTs from an OIDC-like
// issuer, contents withheld from viewers, webhook URLs (secret paths) shown to admins only, actors
// of admin changes, and role bindings taking effect.
import { create } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentAdminService } from "../../gen/palisade/admin/v1/agent_admin_service_pb.js";
import { ResourceService } from "../../gen/palisade/admin/v1/resource_service_pb.js";
import { Kind, PolicyAction, ResourceSchema, Role } from "../../gen/palisade/admin/v1/resources_pb.js";
import { SessionService } from "../../gen/palisade/admin/v1/session_service_pb.js";
import { TokenService } from "../../gen/palisade/admin/v1/token_service_pb.js";
import { ExchangeSchema } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { CONTENTS_WITHHELD_HEADER } from "../../control-plane/auth/admin-auth.js";
import { ADMIN_TOKEN, type AuthHarness, type LocalIssuer, startAuthHarness, startLocalIssuer } from "./auth-harness.js";
import { binding, BINDINGS, gate, serviceAccount } from "./fixtures.js";

describe("admin API authentication and roles", () => {
  let h: AuthHarness;
  let idp: LocalIssuer;
  const admin = () => h.client(ResourceService, ADMIN_TOKEN);
  const latestChange = async () => (await h.db.em().execute<{ kind: string; name: string; action: string; actor: string }[]>(
    "select kind, name, action, actor from change_event order by id desc limit 1"))[0];

  beforeAll(async () => {
    h = await startAuthHarness();
    idp = await startLocalIssuer();
    const provider = create(ResourceSchema, {
      resource: { case: "identityProvider", value: { name: "corp", issuer: idp.url, audience: "palisade-admin", groupsClaim: "realm_access.roles" } },
    });
    await admin().apply({ resources: [...BINDINGS, provider, binding("sec", Role.AUDITOR, ["security"])] });
    await h.snapshots.refresh();
  });
  afterAll(async () => {
    await h?.close();
    await idp?.close();
  });

  it("refuses missing, unknown and bad tokens with UNAUTHENTICATED", async () => {
    const expired = (await h.issuer.issue({ subject: "ada", groups: ["palisade-admins"], ttlSeconds: -3600 })).token;
    const cases: Array<[string | null, RegExp]> = [
      [null, /missing token/],
      ["pat_not-the-admin-token", /invalid admin token/],
      ["not.a.jwt", /invalid caller token: malformed token/],
      [expired, /invalid caller token: token expired/],
      [await idp.sign({ sub: "ada", realm_access: { roles: ["security"] } }, { audience: "someone-else" }), /token claim "aud" invalid/],
    ];
    for (const [token, message] of cases) {
      const { outcome, error } = await gate(() => h.client(ResourceService, token).listResources({ kind: Kind.CONNECTION }));
      expect(outcome, String(message)).toBe("unauthenticated");
      expect(error!.rawMessage).toMatch(message);
    }
  });

  it("refuses a token whose issuer's keys cannot be fetched with UNAVAILABLE (retry), not as a bad token", async () => {
    const gone = await startLocalIssuer();
    await admin().apply({ resources: [create(ResourceSchema, { resource: { case: "identityProvider", value: { name: "gone", issuer: gone.url, audience: "palisade-admin" } } })] });
    await h.snapshots.refresh();
    const token = await gone.sign({ sub: "ada", realm_access: { roles: ["security"] } });
    await gone.close(); // the identity provider is away: its discovery document cannot be fetched
    const { error } = await gate(() => h.client(ResourceService, token).listResources({ kind: Kind.CONNECTION }));
    expect(error?.code).toBe(Code.Unavailable);
    expect(error!.rawMessage).toMatch(/^caller token cannot be verified now: issuer http:\/\/127\.0\.0\.1:\d+ unreachable: OpenID discovery/);
  });

  it("maps the groups claim of an OpenID issuer's token to roles through RoleBindings", async () => {
    const token = await idp.sign({ sub: "sam@corp.example", realm_access: { roles: ["security", "staff"] } });
    const client = h.client(ResourceService, token);
    const listed = await client.listResources({ kind: Kind.ROLE_BINDING });
    expect(listed.resources.map((r) => r.resource.value?.name)).toContain("sec");
    const denied = await gate(() => client.apply({ resources: [serviceAccount("by-sam")] }));
    expect(denied.outcome).toBe("denied");
    expect(denied.error!.rawMessage).toBe("ResourceService.Apply requires role admin; sam@corp.example holds only auditor");
    expect(denied.error!.code).toBe(Code.PermissionDenied);
  });

  it("gives viewers and approvers session metadata without contents; auditors and admins read contents", async () => {
    await h.sink.commit("edge", [create(ExchangeSchema, {
      id: "s-contents", connection: "openai", method: "POST", path: "/v1/chat/completions", model: "gpt-4o", status: 200,
      requestBody: '{"messages":[{"content":"my card is 4111"}]}', responseBody: '{"choices":[]}',
    })]);
    const read = async (token: string) => {
      const { session } = await h.client(SessionService, token).getSession({ id: "s-contents" });
      return { exchange: session!.exchange!, withheld: h.lastHeaders()?.get(CONTENTS_WITHHELD_HEADER) ?? null };
    };
    for (const token of [await h.token("vic", ["viewers"]), await h.token("april", ["approvers"])]) {
      const { exchange, withheld } = await read(token);
      expect(exchange.model).toBe("gpt-4o");
      expect(exchange.status).toBe(200);
      expect([exchange.requestBody, exchange.responseBody]).toEqual(["", ""]);
      expect(withheld).toBe("true");
    }
    for (const token of [await h.token("audrey"), ADMIN_TOKEN]) {
      const { exchange, withheld } = await read(token);
      expect(exchange.requestBody).toContain("my card is 4111");
      expect(withheld).toBeNull();
    }
    // Someone who is both viewer and auditor holds the union: contents included.
    const both = await read(await h.token("audrey", ["viewers"]));
    expect(both.exchange.requestBody).toContain("my card is 4111");
  });

  it("shows webhook URLs, whose paths are their receivers' secrets, whole to admins only; others see the origin", async () => {
    const hook = "https://hooks.example.com/services/T0001/B0002/s3cr3tP4thT0k3n?key=also-secret";
    await admin().apply({ resources: [
      create(ResourceSchema, { resource: { case: "policy", value: { name: "hooked-review", priority: 5, connections: ["*"], action: PolicyAction.REVIEW, approvers: ["approvers"], webhook: hook } } }),
      create(ResourceSchema, { resource: { case: "auditSink", value: { name: "hooked-sink", target: { case: "webhook", value: { url: hook, secret: "whsec-x" } }, events: ["alert"] } } }),
    ] });
    const seen = async (token: string) => {
      const client = h.client(ResourceService, token);
      const one = await client.getResource({ kind: Kind.POLICY, name: "hooked-review" });
      const sinks = await client.listResources({ kind: Kind.AUDIT_SINK });
      const policy = one.resource?.resource.case === "policy" ? one.resource.resource.value.webhook : undefined;
      const sink = sinks.resources.map((r) => (r.resource.case === "auditSink" && r.resource.value.target.case === "webhook" ? r.resource.value.target.value.url : undefined)).find(Boolean);
      return [policy, sink];
    };
    for (const token of [await h.token("vic", ["viewers"]), await h.token("april", ["approvers"]), await h.token("audrey")]) {
      expect(await seen(token)).toEqual(["https://hooks.example.com/…", "https://hooks.example.com/…"]);
      expect(h.lastHeaders()?.get(CONTENTS_WITHHELD_HEADER)).toBe("true");
    }
    expect(await seen(ADMIN_TOKEN)).toEqual([hook, hook]);
    await admin().deleteResource({ kind: Kind.POLICY, name: "hooked-review" });
    await admin().deleteResource({ kind: Kind.AUDIT_SINK, name: "hooked-sink" });
  });

  it("records the caller as the actor of every admin change, in the change's transaction", async () => {
    const ada = await h.token("ada", ["palisade-admins"]);
    await h.client(ResourceService, ada).apply({ resources: [serviceAccount("by-ada")] });
    expect(await latestChange()).toEqual({ kind: "service account", name: "by-ada", action: "create", actor: "ada" });
    await h.client(AgentAdminService, ada).createAgent({ name: "edge-ada" });
    expect(await latestChange()).toEqual({ kind: "agent", name: "edge-ada", action: "create", actor: "ada" });
    await h.client(ResourceService, ada).deleteResource({ kind: Kind.SERVICE_ACCOUNT, name: "by-ada" });
    expect(await latestChange()).toEqual({ kind: "service account", name: "by-ada", action: "delete", actor: "ada" });
    await admin().apply({ resources: [serviceAccount("by-token")] });
    expect(await latestChange()).toMatchObject({ name: "by-token", actor: "admin-token:bootstrap" });
    // A refused change writes nothing.
    const before = await latestChange();
    await gate(() => h.client(ResourceService, ada).apply({ resources: [serviceAccount("ok"), binding("bad", Role.VIEWER)] }));
    expect(await latestChange()).toEqual(before);
  });

  it("applies RoleBinding changes once the configuration version moves", async () => {
    const zoe = await h.token("zoe", ["interns"]);
    const apply = () => gate(() => h.client(ResourceService, zoe).apply({ resources: [serviceAccount("by-zoe")] }));
    expect((await apply()).error?.rawMessage).toMatch(/zoe holds no role \(grant one with a RoleBinding\)/);
    await admin().apply({ resources: [binding("interns", Role.VIEWER, ["interns"])] });
    await h.snapshots.refresh();
    expect((await apply()).error?.rawMessage).toMatch(/zoe holds only viewer/);
    await admin().apply({ resources: [binding("interns", Role.ADMIN, ["interns"])] });
    await h.snapshots.refresh();
    expect((await apply()).outcome).toBe("allowed");
    await admin().deleteResource({ kind: Kind.ROLE_BINDING, name: "interns" });
    await h.snapshots.refresh();
    expect((await apply()).outcome).toBe("denied");
  });

  it("refuses a revoked caller token, and records who revoked it", async () => {
    const token = await h.token("rita", ["palisade-admins"]);
    expect((await gate(() => h.client(AgentAdminService, token).listAgents({}))).outcome).toBe("allowed");
    await h.client(TokenService, await h.token("ada", ["palisade-admins"])).revokeToken({ subject: "rita" });
    expect(await latestChange()).toMatchObject({ action: "create", actor: "ada" });
    await h.snapshots.refresh();
    const refused = await gate(() => h.client(AgentAdminService, token).listAgents({}));
    expect(refused.outcome).toBe("unauthenticated");
    expect(refused.error!.rawMessage).toBe("invalid caller token: token revoked");
  });

  it("validates RoleBindings and returns them as applied", async () => {
    const cases: Array<[ReturnType<typeof binding>, RegExp]> = [
      [binding("Bad_Name", Role.VIEWER, ["g"]), /role binding "Bad_Name": name must be/],
      [binding("norole", Role.UNSPECIFIED, ["g"]), /role binding "norole": role must be one of admin, approver, auditor, viewer \[enum.not_in\]/],
      [binding("nobody", Role.VIEWER), /role binding "nobody": name at least one group or subject/],
      [binding("blank", Role.VIEWER, [" "]), /role binding "blank": groups\[0\] must not be empty or blank \[string.not_blank\]/],
    ];
    for (const [resource, message] of cases) {
      const { error } = await gate(() => admin().apply({ resources: [resource] }));
      expect(error?.code).toBe(Code.InvalidArgument);
      expect(error?.rawMessage).toMatch(message);
    }
    const { resource } = await admin().getResource({ kind: Kind.ROLE_BINDING, name: "auditors" });
    expect(resource?.resource.case).toBe("roleBinding");
    expect(resource?.resource.value).toMatchObject({ name: "auditors", role: Role.AUDITOR, groups: [], subjects: ["audrey"] });
  });
});

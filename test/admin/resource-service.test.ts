// ResourceService through the in-process transport: outcomes, write-only credentials, validation
// messages naming the resource, all-or-nothing apply, NOT_FOUND, and the admin-token gate.
import { create, toJson } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentAdminService } from "../../gen/palisade/admin/v1/agent_admin_service_pb.js";
import { ListResourcesResponseSchema, Outcome, ResourceService } from "../../gen/palisade/admin/v1/resource_service_pb.js";
import { Kind, Provider, ResourceSchema } from "../../gen/palisade/admin/v1/resources_pb.js";
import { SessionService } from "../../gen/palisade/admin/v1/session_service_pb.js";
import { TokenService } from "../../gen/palisade/admin/v1/token_service_pb.js";
import { type AdminHarness, refusal, startAdminHarness } from "./admin-harness.js";

interface ConnectionInit {
  name: string;
  provider?: Provider;
  upstream?: string;
  credential?: { header: string; value: string };
  segments?: string[];
}

function connection(init: ConnectionInit) {
  return create(ResourceSchema, {
    resource: {
      case: "connection",
      value: {
        provider: Provider.OPENAI, upstream: "https://api.openai.com",
        credential: { header: "Authorization", value: "Bearer sk-secret" }, ...init,
      },
    },
  });
}

describe("ResourceService", () => {
  let admin: AdminHarness;
  beforeAll(async () => { admin = await startAdminHarness(); });
  afterAll(async () => { await admin?.close(); });

  it("creates, leaves unchanged and updates, never returning the credential", async () => {
    const client = admin.client(ResourceService);
    const first = await client.apply({ resources: [connection({ name: "openai" })] });
    expect(first.results.map((r) => [r.kind, r.name, r.outcome])).toEqual([[Kind.CONNECTION, "openai", Outcome.CREATED]]);
    const same = await client.apply({ resources: [connection({ name: "openai" })] });
    expect(same.results[0]!.outcome).toBe(Outcome.UNCHANGED);
    const moved = await client.apply({ resources: [connection({ name: "openai", upstream: "https://eu.api.openai.com", credential: undefined })] });
    expect(moved.results[0]!.outcome).toBe(Outcome.UPDATED);

    const { resource } = await client.getResource({ kind: Kind.CONNECTION, name: "openai" });
    expect(resource?.resource.case).toBe("connection");
    const value = resource!.resource.value as { credential?: unknown; credentialSet: boolean; upstream: string };
    expect(value.credential).toBeUndefined();
    expect(value.credentialSet).toBe(true);
    expect(value.upstream).toBe("https://eu.api.openai.com");
    const listed = await client.listResources({ kind: Kind.CONNECTION });
    expect(JSON.stringify(toJson(ListResourcesResponseSchema, listed))).not.toContain("sk-secret");
    // The credential kept on update still reaches agents.
    await admin.snapshots.refresh();
    expect(admin.snapshots.current("").connections[0]!.credential?.value).toBe("Bearer sk-secret");
  });

  it("refuses invalid resources with INVALID_ARGUMENT naming them", async () => {
    const client = admin.client(ResourceService);
    const cases: Array<[ReturnType<typeof connection>, RegExp]> = [
      [connection({ name: "Bad_Name" }), /connection "Bad_Name": name must be/],
      [connection({ name: "x".repeat(64) }), /name must be 1-63/],
      [connection({ name: "ftp", upstream: "ftp://example.com" }), /connection "ftp": upstream must be an http\(s\) URL/],
      [connection({ name: "nourl", upstream: "not a url" }), /connection "nourl": upstream/],
      // An RFC 3986 URI the WHATWG parser (the agent's) refuses: caught by the code behind the contract.
      [connection({ name: "bigport", upstream: "https://api.example.com:99999/v1" }), /connection "bigport": upstream must be a URL Node.js can parse/],
      [connection({ name: "noprov", provider: Provider.UNSPECIFIED }), /connection "noprov": provider must be/],
      [connection({ name: "nocred", credential: undefined }), /connection "nocred": credential is required/],
      [connection({ name: "badhdr", credential: { header: "bad header", value: "v" } }), /connection "badhdr": credential.header must be an HTTP header name \(RFC 9110 token characters\) \[string.header_name\]/],
      [connection({ name: "seg", segments: ["Not OK"] }), /connection "seg": segment/],
      [create(ResourceSchema, { resource: { case: "identityProvider", value: { name: "okta", issuer: "okta", audience: "a" } } }), /identity provider "okta": issuer must be/],
      [create(ResourceSchema, { resource: { case: "identityProvider", value: { name: "okta", issuer: "https://id.example.com" } } }), /identity provider "okta": audience must not be empty \[string.min_len\]/],
      [create(ResourceSchema, {}), /^resources\[0\].resource needs one of connection, identityProvider, serviceAccount, .* or budget set \[required\]$/],
    ];
    for (const [resource, message] of cases) {
      const error = await refusal(client.apply({ resources: [resource] }));
      expect(error.code, String(message)).toBe(Code.InvalidArgument);
      expect(error.rawMessage).toMatch(message);
    }
    const twice = await refusal(client.apply({ resources: [connection({ name: "dup" }), connection({ name: "dup" })] }));
    expect(twice.rawMessage).toMatch(/"dup" appears twice/);
  });

  it("applies all or nothing", async () => {
    const client = admin.client(ResourceService);
    const error = await refusal(client.apply({
      resources: [connection({ name: "first-ok" }), connection({ name: "second-bad", credential: undefined })],
    }));
    expect(error.code).toBe(Code.InvalidArgument);
    const missing = await refusal(client.getResource({ kind: Kind.CONNECTION, name: "first-ok" }));
    expect(missing.code).toBe(Code.NotFound);
  });

  it("lists by name, deletes, and answers NOT_FOUND and bad kinds", async () => {
    const client = admin.client(ResourceService);
    await client.apply({ resources: [
      create(ResourceSchema, { resource: { case: "serviceAccount", value: { name: "zeta", groups: ["bots"] } } }),
      create(ResourceSchema, { resource: { case: "serviceAccount", value: { name: "alpha", description: "ci" } } }),
    ] });
    const { resources } = await client.listResources({ kind: Kind.SERVICE_ACCOUNT });
    expect(resources.map((r) => r.resource.value?.name)).toEqual(["alpha", "zeta"]);
    await client.deleteResource({ kind: Kind.SERVICE_ACCOUNT, name: "zeta" });
    expect((await refusal(client.deleteResource({ kind: Kind.SERVICE_ACCOUNT, name: "zeta" }))).code).toBe(Code.NotFound);
    expect((await refusal(client.getResource({ kind: Kind.IDENTITY_PROVIDER, name: "none" }))).rawMessage).toBe('identity provider "none" not found');
    expect((await refusal(client.listResources({ kind: Kind.UNSPECIFIED }))).code).toBe(Code.InvalidArgument);
  });

  it("answers concurrent creations of one resource with success or ABORTED, never an internal error", async () => {
    const client = admin.client(ResourceService);
    const outcomes = await Promise.all(Array.from({ length: 4 }, () =>
      client.apply({ resources: [connection({ name: "raced" })] }).then(
        (response) => Outcome[response.results[0]!.outcome],
        (error: unknown) => Code[ConnectError.from(error).code],
      )));
    expect(outcomes.filter((outcome) => outcome === "CREATED")).toHaveLength(1);
    for (const outcome of outcomes) expect(["CREATED", "UNCHANGED", "Aborted"]).toContain(outcome);
    expect((await client.getResource({ kind: Kind.CONNECTION, name: "raced" })).resource).toBeDefined();
  });

  it("refuses every admin service without a valid admin token", async () => {
    for (const token of [null, "pat_wrong", ""]) {
      const calls = [
        () => admin.client(ResourceService, token).listResources({ kind: Kind.CONNECTION }),
        () => admin.client(AgentAdminService, token).listAgents({}),
        () => admin.client(TokenService, token).createToken({ subject: "x" }),
        () => admin.client(SessionService, token).listSessions({}),
      ];
      for (const call of calls) expect((await refusal(call())).code).toBe(Code.Unauthenticated);
    }
  });
});

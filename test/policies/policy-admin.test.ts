// Policies through the admin API: apply-time refusals (CEL with its position, unsafe or invalid
// patterns, unknown connections, the action/limits rule, sizes), all-or-nothing, deleting a named
// connection refused, every segment's snapshot carrying the policies, and the starter policy of
// `palisade up` applied once.
import { type Client, Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditLogService } from "../../gen/palisade/admin/v1/audit_log_service_pb.js";
import { AgentAdminService } from "../../gen/palisade/admin/v1/agent_admin_service_pb.js";
import { ResourceService } from "../../gen/palisade/admin/v1/resource_service_pb.js";
import { Kind, PolicyAction } from "../../gen/palisade/admin/v1/resources_pb.js";
import { ReviewService } from "../../gen/palisade/admin/v1/review_service_pb.js";
import { BudgetService } from "../../gen/palisade/admin/v1/budget_service_pb.js";
import { UsageService } from "../../gen/palisade/admin/v1/usage_service_pb.js";
import { SessionService } from "../../gen/palisade/admin/v1/session_service_pb.js";
import { ConsoleService } from "../../gen/palisade/admin/v1/console_service_pb.js";
import { BlockService } from "../../gen/palisade/admin/v1/block_service_pb.js";
import { TokenService } from "../../gen/palisade/admin/v1/token_service_pb.js";
import { PolicyAction as AgentPolicyAction } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { ensureStarterPolicy, STARTER_POLICY } from "../../cli/commands/starter-policy.js";
import { type AdminHarness, refusal, startAdminHarness } from "../admin/admin-harness.js";
import { connection, policy } from "./fixtures.js";

describe("policies through the admin API", () => {
  let admin: AdminHarness;
  let client: Client<typeof ResourceService>;
  beforeAll(async () => {
    admin = await startAdminHarness();
    client = admin.client(ResourceService);
    await client.apply({ resources: [connection("openai")] });
  });
  afterAll(async () => { await admin?.close(); });

  it.each([
    ["a syntax error, with its position", 'identity.groups.exists(g, g == "x") &&', /^policy "p": when does not compile at line 1, column \d+: /],
    ["an error on a later line", '"a" in identity.groups\n  && request.model.startsWith(', /^policy "p": when does not compile at line 2, column \d+: /],
    ["an undeclared variable", 'user.name == "bob"', /^policy "p": when does not compile at line 1, column 1: undeclared reference to 'user'/],
    ["an unknown function", 'request.model.shout()', /^policy "p": when does not compile at line 1, column \d+: unknown function 'shout'/],
  ])("refuses a condition with %s", async (_, when, message) => {
    const error = await refusal(client.apply({ resources: [policy("p", { when })] }));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toMatch(message);
  });

  it("accepts the conditions of the docs", async () => {
    // The examples of docs/policies.md.
    const conditions = [
      '"contractors" in identity.groups && request.model.startsWith("gpt-4")',
      'identity.groups.exists(g, g.startsWith("eng-"))',
      'identity.email.endsWith("@example.com") && !request.stream',
      'request.model in ["gpt-4o-mini", "gpt-4.1-mini"]',
      'connection.provider == "anthropic" && request.path.startsWith("/v1/messages")',
      '"x-team" in request.headers && request.headers["x-team"] == "ml"',
      'has(identity.claims.department) && identity.claims.department == "legal"',
      'identity.claims.realm_access.roles.exists(r, r == "llm-user")',
      'time.getDayOfWeek() in [0, 6] || time.getHours() < 7 || time.getHours() >= 19',
      'request.prompt.size() > 50000',
      'identity.issuer == "urn:palisade:service-accounts"',
    ];
    const applied = await client.apply({ resources: conditions.map((when, i) => policy(`docs-${i}`, { when })) });
    expect(applied.results).toHaveLength(conditions.length);
  });

  it("refuses patterns that can backtrack catastrophically, naming the index and not echoing them", async () => {
    const long = `(${"a".repeat(30)}|${"a".repeat(30)})*$`;
    const cases: [string[], number, string][] = [
      [["safe\\d{3}", "(a+)+$"], 2, "exponentially"],
      [[long], 1, "exponentially"],
      [["[a-z]+@[a-z]+\\.com"], 1, "polynomially (degree 2)"],
    ];
    for (const [patterns, index, growth] of cases) {
      const error = await refusal(client.apply({ resources: [policy("regex", { match: { patterns } })] }));
      expect(error.code).toBe(Code.InvalidArgument);
      expect(error.rawMessage).toMatch(new RegExp(`^policy "regex": pattern ${index} can backtrack catastrophically`));
      expect(error.rawMessage).toContain(growth);
      expect(error.rawMessage).not.toContain("aaaa");
    }
  }, 60_000);

  it("accepts safe patterns, the issue's SSN pattern among them", async () => {
    // The accepted examples of docs/policies.md.
    const patterns = [
      "\\b\\d{3}-\\d{2}-\\d{4}\\b", "^\\d+-\\d+$", "sk-[A-Za-z0-9]{20,60}", "\\bAKIA[0-9A-Z]{16}\\b",
      "\\b[a-z]{1,64}@[a-z]{1,64}\\.com\\b", "-----BEGIN [A-Z ]*PRIVATE KEY-----",
    ];
    const applied = await client.apply({ resources: [policy("ssn", { match: { keywords: ["social security"], patterns } })] });
    expect(applied.results).toHaveLength(1);
  }, 60_000);

  it.each([
    ["an invalid pattern", { match: { patterns: ["(unclosed"] } }, /^policy "p": pattern 1 is not a valid regular expression: Unterminated group$/],
    ["a pattern over 1024 characters", { match: { patterns: ["x".repeat(1025)] } }, /^policy "p": pattern 1 is longer than 1024 characters$/],
    ["an empty keyword", { match: { keywords: ["ok", " "] } }, /^policy "p": match.keywords\[1\] must not be empty or blank \[string.not_blank\]$/],
    ["a keyword of separators", { match: { keywords: ["ok", "- _"] } }, /^policy "p": keyword 2 reads as nothing \(no letter or digit/],
    ["a keyword of invisible characters", { match: { keywords: ["\u200b\u00ad"] } }, /^policy "p": keyword 1 reads as nothing/],
    ["a keyword of a lone accent", { match: { keywords: ["\u0301"] } }, /^policy "p": keyword 1 reads as nothing/],
    ["no connections", { connections: [] }, /^policy "p": connections must not be empty \[repeated.min_items\]$/],
    ["a malformed connection name", { connections: ["Not A Name"] }, /^policy "p": connections\[0\] must be a connection name or "\*" \[policy.connection\]$/],
    ["neither action nor limits", { action: PolicyAction.UNSPECIFIED }, /^policy "p": needs an action \(allow, deny, mask or review\) or limits/],
    ["an unknown action", { action: 7 as PolicyAction }, /^policy "p": action must be one of allow, deny, mask, review \[enum.defined_only\]$/],
    ["a reason over 1 KiB", { reason: "é".repeat(513) }, /^policy "p": reason must be at most 1024 bytes \[string.max_bytes\]$/],
  ])("refuses %s", async (_, init, message) => {
    const error = await refusal(client.apply({ resources: [policy("p", init as never)] }));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toMatch(message);
  });

  it("refuses a bad name", async () => {
    const error = await refusal(client.apply({ resources: [policy("Bad_Name")] }));
    expect(error.rawMessage).toMatch(/^policy "Bad_Name": name must be/);
  });

  it("refuses a policy naming an unknown connection, applying nothing of the request", async () => {
    const error = await refusal(client.apply({ resources: [connection("fresh"), policy("to-nowhere", { connections: ["fresh", "nowhere"] })] }));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toBe('policy "to-nowhere": connection "nowhere" not found');
    await expect(client.getResource({ kind: Kind.CONNECTION, name: "fresh" })).rejects.toMatchObject({ code: Code.NotFound });
  });

  it("refuses to delete a connection a policy names, with FAILED_PRECONDITION naming the policy", async () => {
    await client.apply({ resources: [policy("openai-only", { connections: ["openai"] })] });
    const error = await refusal(client.deleteResource({ kind: Kind.CONNECTION, name: "openai" }));
    expect(error.code).toBe(Code.FailedPrecondition);
    expect(error.rawMessage).toBe('connection "openai" is named by policy "openai-only"; change or delete it first');
    await client.deleteResource({ kind: Kind.POLICY, name: "openai-only" });
    await expect(client.getResource({ kind: Kind.POLICY, name: "openai-only" })).rejects.toMatchObject({ code: Code.NotFound });
  });

  it("puts every policy into every segment's snapshot, in the agent's form", async () => {
    await client.apply({ resources: [policy("budget", {
      priority: 7, connections: ["openai"], when: 'identity.subject != ""', action: PolicyAction.UNSPECIFIED,
      match: { keywords: ["secret"], patterns: ["x{2}"] }, reason: "r", limits: { requestsPerMinute: 60, tokensPerHour: 200_000n },
    })] });
    await admin.snapshots.refresh();
    for (const segment of ["", "eu"]) {
      const snapshot = admin.snapshots.current(segment);
      const budget = snapshot.policies.find((p) => p.name === "budget");
      expect(budget).toMatchObject({
        priority: 7, connections: ["openai"], when: 'identity.subject != ""', keywords: ["secret"], patterns: ["x{2}"],
        action: AgentPolicyAction.UNSPECIFIED, reason: "r", requestsPerMinute: 60, tokensPerHour: 200_000n,
      });
      const stored = (await client.listResources({ kind: Kind.POLICY })).resources.map((r) => r.resource.value!.name);
      expect(snapshot.policies.map((p) => p.name).sort()).toEqual(stored.sort());
    }
  });

  it("applies the starter policy of palisade up only while no policy exists", async () => {
    const existing = (await client.listResources({ kind: Kind.POLICY })).resources;
    for (const r of existing) await client.deleteResource({ kind: Kind.POLICY, name: r.resource.value!.name });
    const clients = {
      resources: client, agents: admin.client(AgentAdminService), tokens: admin.client(TokenService), sessions: admin.client(SessionService),
      blocks: admin.client(BlockService),
      reviews: admin.client(ReviewService),
      auditLog: admin.client(AuditLogService),
      usage: admin.client(UsageService),
      console: admin.client(ConsoleService),
      budgets: admin.client(BudgetService),
    };
    expect(await ensureStarterPolicy(clients)).toEqual({ count: 1, starterApplied: true });
    const { resource } = await client.getResource({ kind: Kind.POLICY, name: STARTER_POLICY });
    expect(resource?.resource.value).toMatchObject({ priority: 0, connections: ["*"], action: PolicyAction.ALLOW });
    expect(resource?.resource.value).toMatchObject({ description: expect.stringContaining("every authenticated caller") });
    expect(await ensureStarterPolicy(clients)).toEqual({ count: 1, starterApplied: false });

    // Replaced by the operator's own policy: never applied again.
    await client.apply({ resources: [policy("mine", { action: PolicyAction.DENY })] });
    await client.deleteResource({ kind: Kind.POLICY, name: STARTER_POLICY });
    expect(await ensureStarterPolicy(clients)).toEqual({ count: 1, starterApplied: false });
    await expect(client.getResource({ kind: Kind.POLICY, name: STARTER_POLICY })).rejects.toMatchObject({ code: Code.NotFound });
  });
});

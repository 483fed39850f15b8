import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { KeywordMatch, PolicyAction, PolicySchema, type Policy } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import type { RequestContext } from "./activation.js";
import { compilePolicies } from "./compile-policies.js";
import { evaluatePolicies, type Evaluation } from "./evaluate.js";

type PolicyInit = Partial<Omit<Policy, "$typeName">> & { name: string };
const policy = (init: PolicyInit) => create(PolicySchema, { connections: ["*"], action: PolicyAction.ALLOW, ...init });

function context(overrides: { groups?: string[]; model?: string; prompt?: string; claims?: Record<string, unknown>; headers?: Record<string, string> } = {}): RequestContext {
  return {
    identity: { subject: "alice", email: "alice@example.test", groups: overrides.groups ?? ["eng"], issuer: "urn:test", claims: overrides.claims ?? { sub: "alice" } },
    request: { model: overrides.model ?? "gpt-4o", method: "POST", path: "/v1/chat/completions", stream: false, headers: overrides.headers ?? {}, prompt: overrides.prompt ?? "hello" },
    connection: { name: "openai", provider: "openai" },
    now: Date.parse("2026-01-05T10:00:00Z"),
  };
}

// Through the connection's content index, as admitRequest evaluates (content-index.test.ts holds it to each policy's own rules).
function evaluate(policies: PolicyInit[], ctx = context(), connection = "openai"): Evaluation {
  const compiled = compilePolicies(policies.map(policy), ["openai", "claude"]);
  return evaluatePolicies(compiled.forConnection(connection), ctx, compiled.contentIndex(connection));
}

const decided = (evaluation: Evaluation) =>
  evaluation.outcome === "no-allow" ? "no-allow" : `${evaluation.outcome}:${evaluation.policy.name}`;

describe("policy evaluation", () => {
  it("denies by default when nothing allows", () => {
    expect(decided(evaluate([]))).toBe("no-allow");
    expect(decided(evaluate([{ name: "only-admins", when: '"admins" in identity.groups' }]))).toBe("no-allow");
  });

  it("takes the highest priority first, whatever the order given", () => {
    const policies = [
      { name: "allow-all", priority: 0 },
      { name: "no-gpt4", priority: 100, when: 'request.model.startsWith("gpt-4")', action: PolicyAction.DENY },
    ];
    expect(decided(evaluate(policies))).toBe("deny:no-gpt4");
    expect(decided(evaluate([...policies].reverse()))).toBe("deny:no-gpt4");
    expect(decided(evaluate(policies, context({ model: "gpt-3.5" })))).toBe("allow:allow-all");
  });

  it("breaks priority ties by name", () => {
    const policies = [
      { name: "b-deny", priority: 5, action: PolicyAction.DENY },
      { name: "a-allow", priority: 5 },
    ];
    expect(decided(evaluate(policies))).toBe("allow:a-allow");
  });

  it("lets the first decisive match win and skips non-matching ones", () => {
    const policies = [
      { name: "contractors", priority: 30, when: '"contractors" in identity.groups', action: PolicyAction.DENY },
      { name: "eng", priority: 20, when: '"eng" in identity.groups' },
      { name: "nobody", priority: 10, action: PolicyAction.DENY },
    ];
    expect(decided(evaluate(policies))).toBe("allow:eng");
    expect(decided(evaluate(policies, context({ groups: ["contractors", "eng"] })))).toBe("deny:contractors");
    expect(decided(evaluate(policies, context({ groups: [] })))).toBe("deny:nobody");
  });

  it("collects the limits of limit-only policies and goes on, up to the deciding one", () => {
    const evaluation = evaluate([
      { name: "budget", priority: 50, action: PolicyAction.UNSPECIFIED, requestsPerMinute: 10 },
      { name: "other-budget", priority: 40, when: "false", action: PolicyAction.UNSPECIFIED, tokensPerHour: 5n },
      { name: "allow", priority: 30, requestsPerMinute: 100 },
      { name: "after", priority: 20, action: PolicyAction.UNSPECIFIED, requestsPerMinute: 1 },
    ]);
    expect(decided(evaluation)).toBe("allow:allow");
    expect(evaluation.limited.map((p) => p.name)).toEqual(["budget", "allow"]);
  });

  it("applies policies only to their connections (or *)", () => {
    const policies = [{ name: "claude-only", connections: ["claude"] }];
    expect(decided(evaluate(policies, context(), "openai"))).toBe("no-allow");
    expect(decided(evaluate(policies, context(), "claude"))).toBe("allow:claude-only");
  });

  it("matches keywords case-insensitively, short ones only as whole words, long ones also inflected (keyword-match.ts)", () => {
    const policies = [
      { name: "no-ssn", priority: 10, keywords: ["social security", "ssn"], action: PolicyAction.DENY },
      { name: "allow-all", priority: 0 },
    ];
    expect(decided(evaluate(policies, context({ prompt: "my Social  Security\nnumber" })))).toBe("deny:no-ssn");
    expect(decided(evaluate(policies, context({ prompt: "SSN: 1" })))).toBe("deny:no-ssn");
    expect(decided(evaluate(policies, context({ prompt: "classnames and lessns" })))).toBe("allow:allow-all");
    expect(decided(evaluate(policies, context({ prompt: "social securityx" })))).toBe("deny:no-ssn");
    expect(decided(evaluate(policies, context({ prompt: "antisocial security" })))).toBe("allow:allow-all");
  });

  it("matches keywords as the policy's keywordMatch says", () => {
    const mode = (keywordMatch: KeywordMatch) => [
      { name: "no-birds", priority: 10, keywords: ["nightingale"], keywordMatch, action: PolicyAction.DENY },
      { name: "allow-all", priority: 0 },
    ];
    const verdict = (keywordMatch: KeywordMatch, prompt: string) => decided(evaluate(mode(keywordMatch), context({ prompt })));
    expect(verdict(KeywordMatch.WORD, "nightingales")).toBe("allow:allow-all");
    expect(verdict(KeywordMatch.PREFIX, "nightingales")).toBe("deny:no-birds");
    expect(verdict(KeywordMatch.PREFIX, "supernightingale")).toBe("allow:allow-all");
    expect(verdict(KeywordMatch.SUBSTRING, "super night-ingale")).toBe("deny:no-birds");
    expect(verdict(KeywordMatch.UNSPECIFIED, "supernightingale")).toBe("deny:no-birds");
  });

  it("takes keywords literally, punctuation and all", () => {
    const policies = [
      { name: "odd", priority: 10, keywords: ["code-7", "a.b (c)", "c++", "$x/y"], action: PolicyAction.DENY },
      { name: "allow-all", priority: 0 },
    ];
    for (const prompt of ["use CODE-7 now", "see a.b (c)", "a $x/y b"]) expect(decided(evaluate(policies, context({ prompt })))).toBe("deny:odd");
    expect(decided(evaluate(policies, context({ prompt: "code-77 and axb (c)" })))).toBe("allow:allow-all");
  });

  it("treats letters of every script as word characters", () => {
    const policies = [
      { name: "words", priority: 10, keywords: ["café", "über"], action: PolicyAction.DENY },
      { name: "allow-all", priority: 0 },
    ];
    expect(decided(evaluate(policies, context({ prompt: "ÜBER alles" })))).toBe("deny:words");
    expect(decided(evaluate(policies, context({ prompt: "un Café, merci" })))).toBe("deny:words");
    expect(decided(evaluate(policies, context({ prompt: "cafés and süber and 𝒳café" })))).toBe("allow:allow-all");
  });

  it("matches patterns, and needs both the condition and a content rule", () => {
    const policies = [
      { name: "ssn-pattern", priority: 10, patterns: ["\\b\\d{3}-\\d{2}-\\d{4}\\b"], when: '"eng" in identity.groups', action: PolicyAction.DENY },
      { name: "allow-all", priority: 0 },
    ];
    expect(decided(evaluate(policies, context({ prompt: "it is 123-45-6789" })))).toBe("deny:ssn-pattern");
    expect(decided(evaluate(policies, context({ prompt: "it is 123-45-6789", groups: ["ops"] })))).toBe("allow:allow-all");
    expect(decided(evaluate(policies, context({ prompt: "it is 1234-45-6789" })))).toBe("allow:allow-all");
  });

  it("denies, naming the policy, when a condition fails to evaluate", () => {
    const evaluation = evaluate([
      { name: "broken", priority: 10, when: "identity.claims.level > 3" },
      { name: "allow-all", priority: 0 },
    ]);
    expect(evaluation).toMatchObject({ outcome: "error", policy: { name: "broken" }, error: expect.stringContaining("level") });
    expect(decided(evaluate([{ name: "not-bool", when: "request.model" }]))).toBe("error:not-bool");
  });

  it("gives conditions identity, claims, request, headers, connection and time", () => {
    const ok = (when: string, ctx = context()) => decided(evaluate([{ name: "p", when }], ctx)) === "allow:p";
    expect(ok('identity.subject == "alice" && identity.email.endsWith("@example.test") && identity.issuer == "urn:test"')).toBe(true);
    expect(ok('identity.claims.tier == "gold"', context({ claims: { tier: "gold" } }))).toBe(true);
    expect(ok('identity.claims.realm.roles.exists(r, r == "x")', context({ claims: { realm: { roles: ["x"] } } }))).toBe(true);
    expect(ok('request.method == "POST" && request.path.startsWith("/v1/") && !request.stream')).toBe(true);
    expect(ok('request.headers["x-team"] == "blue"', context({ headers: { "x-team": "blue" } }))).toBe(true);
    expect(ok('request.prompt.contains("hello")')).toBe(true);
    expect(ok('connection.name == "openai" && connection.provider == "openai"')).toBe(true);
    expect(ok('time.getDayOfWeek("UTC") == 1 && time > timestamp("2026-01-01T00:00:00Z")')).toBe(true);
  });

  it("never shows conditions the caller's credentials", () => {
    const headers = { authorization: "Bearer jwt", "x-api-key": "k", cookie: "c", "proxy-authorization": "p", "x-ok": "1" };
    const has = (name: string) => decided(evaluate([{ name: "p", when: `"${name}" in request.headers` }], context({ headers }))) === "allow:p";
    expect(["authorization", "x-api-key", "cookie", "proxy-authorization", "x-ok"].map(has)).toEqual([false, false, false, false, true]);
  });
});

describe("policy compilation", () => {
  it("refuses (NACKs) conditions that do not compile, naming the policy and position", () => {
    expect(() => compilePolicies([policy({ name: "bad", when: "identity.groups ++" })], [])).toThrow(/policy bad: condition does not compile: 1:\d+/);
    expect(() => compilePolicies([policy({ name: "typo", when: 'idenity.groups == ["x"]' })], [])).toThrow(/undeclared reference to 'idenity'/);
    expect(() => compilePolicies([policy({ name: "fn", when: "nosuch(request.model)" })], [])).toThrow(/unknown function 'nosuch'/);
  });

  it("reuses the previous snapshot's compiled conditions for the same source", () => {
    const first = compilePolicies([policy({ name: "a", when: "true" })], ["openai"]);
    const second = compilePolicies([policy({ name: "b", when: "true" }), policy({ name: "c", when: "false" })], ["openai"], first);
    expect(second.forConnection("openai")[0].condition).toBe(first.forConnection("openai")[0].condition);
    expect([...second.conditions.keys()].sort()).toEqual(["false", "true"]);
  });

  it("refuses invalid patterns, duplicate names, empty connections and policies that do nothing", () => {
    expect(() => compilePolicies([policy({ name: "re", patterns: ["("] })], [])).toThrow(/policy re: pattern 1/);
    expect(() => compilePolicies([policy({ name: "a" }), policy({ name: "a" })], [])).toThrow(/listed twice/);
    expect(() => compilePolicies([policy({ name: "a", connections: [] })], [])).toThrow(/no connections/);
    expect(() => compilePolicies([policy({ name: "a", action: PolicyAction.UNSPECIFIED })], [])).toThrow(/neither an action nor limits/);
  });
});

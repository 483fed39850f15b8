// Remembered condition values (condition-cache.ts) against evaluating each condition afresh on the
// activation, over requests that differ in what the conditions read and in what they do not.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileCondition } from "../../core/policy/condition.js";
import { conditionActivation, type RequestContext } from "./activation.js";
import { conditionValue } from "./condition-cache.js";

const sources = [
  '"team-1" in identity.groups && request.model.startsWith("gpt-4")',
  '("x-team" in request.headers && request.headers["x-team"] == "team-3") || identity.email.endsWith("@blocked.example")',
  'has(request.headers.x_team) || request.headers["X-Team"] == "blue"',
  'request.headers["authorization"] == "Bearer t"',
  'identity.subject == "alice" && request.method == "POST" && request.path.startsWith("/v1") && !request.stream',
  'connection.provider == "openai" && identity.issuer == "urn:a"',
  'identity.nothing == "x"',
  'request.headers["x-team"].startsWith("t")',
  "time.getHours() >= 0 && identity.claims.tier == 'gold'",
  'request.prompt.contains("secret")',
  "identity.groups.exists(g, g.startsWith('eng')) && size(identity.groups) > 1",
  // Red team: order and repeats of groups, variables shadowed by a comprehension's, presence tests,
  // names an object's prototype holds, one header read two ways, macros over what is read.
  'identity.groups[0] == "eng" || identity.groups == ["team-1", "team-1"]',
  'identity.groups.filter(g, g == "eng").size() == 2',
  'identity.groups.exists(request, request.model == "x") || identity.groups.exists(identity, identity == "staff")',
  '[identity.email].exists(request, request.startsWith("a")) && has(identity.email)',
  'has(request.headers.constructor) || "__proto__" in request.headers || request.headers["toString"] == "x"',
  'request.headers["x-team"] == request.headers.x_team || has(request.headers.x_team) && request.headers.x_team.size() > 3',
  'connection.name.matches("^o") && request.model.lowerAscii().contains("gpt") && request.path.split("/").size() > 2',
  'identity.groups.all(g, g != identity.subject) && identity.groups.map(g, g + request.method).exists(x, x == "engPOST")',
  'request.maxTokens == 0 || request.maxTokens > 4000',
];

const requestContext = fc.record({
  subject: fc.constantFrom("alice", "bob"),
  email: fc.constantFrom("a@example.test", "b@blocked.example"),
  groups: fc.array(fc.constantFrom("eng", "team-1", "staff", "eng-2", "alice"), { maxLength: 3 }),
  issuer: fc.constantFrom("urn:a", "urn:b"),
  tier: fc.constantFrom("gold", "free"),
  model: fc.constantFrom("gpt-4o", "gpt-3.5", "claude"),
  method: fc.constantFrom("POST", "GET"),
  path: fc.constantFrom("/v1/chat/completions", "/models"),
  stream: fc.boolean(),
  headers: fc.dictionary(fc.constantFrom("x-team", "X-Team", "x_team", "authorization", "user-agent", "__proto__", "constructor", "toString"), fc.oneof(fc.constantFrom("team-3", "blue", "Bearer t", ""), fc.array(fc.constantFrom("team-3", "blue"), { minLength: 1, maxLength: 2 }))),
  provider: fc.constantFrom("openai", "anthropic"),
  prompt: fc.constantFrom("hello", "a secret"),
  maxTokens: fc.constantFrom(undefined, 0, 100, 4001),
}).map((r): RequestContext => ({
  identity: { subject: r.subject, email: r.email, groups: r.groups, issuer: r.issuer, claims: { sub: r.subject, tier: r.tier } },
  request: { model: r.model, method: r.method, path: r.path, stream: r.stream, headers: r.headers, prompt: r.prompt, maxTokens: r.maxTokens },
  connection: { name: "openai", provider: r.provider },
  now: Date.parse("2026-01-05T10:00:00Z"),
}));

describe("remembered condition values", () => {
  it("equal a fresh evaluation on the activation, request after request", () => {
    const conditions = sources.map((source) => compileCondition(source));
    fc.assert(
      fc.property(fc.array(requestContext, { minLength: 1, maxLength: 20 }), (contexts) => {
        for (const context of [...contexts, ...contexts]) {
          const inputs = { context };
          for (const condition of conditions) expect(conditionValue(condition, inputs)).toEqual(condition.evaluate(conditionActivation(context)));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("reads what the activation holds: credentials hidden, names in lower case, repeated headers joined", () => {
    const condition = compileCondition('request.headers["x-team"] == "a, b" && !("authorization" in request.headers)');
    const context = (headers: Record<string, string | string[]>): RequestContext => ({
      identity: { subject: "s", email: "", groups: [], issuer: "i", claims: {} },
      request: { model: "m", method: "POST", path: "/", stream: false, headers, prompt: "" },
      connection: { name: "c", provider: "openai" },
      now: 0,
    });
    const cases: Record<string, string | string[]>[] = [{ "x-team": ["a", "b"], authorization: "x" }, { "X-TEAM": "a, b" }, { "x-team": "a" }, { "x-team": ["a", "b"] }];
    for (const headers of cases) {
      expect(conditionValue(condition, { context: context(headers) })).toEqual(condition.evaluate(conditionActivation(context(headers))));
    }
  });
});

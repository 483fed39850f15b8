// Differential harness, policy evaluation: the same compiled policy set (CEL conditions reading
// headers, groups, model, e-mail, path, stream; keyword and pattern rules) evaluated by both builds
// over a stream of requests whose readings repeat (the condition cache answers) and differ by one
// member; outcome, deciding policy, masks and record mode compared.
import * as pb from "@bufbuild/protobuf";
import fc from "fast-check";
import { REF, NEW } from "./builds.js";


const load = async (dist: string) => ({
  compilePolicies: (await import(`${dist}/agent/policy/compile-policies.js`)).compilePolicies,
  evaluatePolicies: (await import(`${dist}/agent/policy/evaluate.js`)).evaluatePolicies,
  snap: await import(`${dist}/gen/palisade/agent/v1/snapshot_pb.js`),
});
const ref = await load(REF);
const cur = await load(NEW);

const whens = [
  `"team-1" in identity.groups && request.model.startsWith("gpt-4")`,
  `("x-team" in request.headers && request.headers["x-team"] == "team-1") || identity.email.endsWith("@blocked.example")`,
  `"x-team" in request.headers && request.headers["x-team"] == "a\\u0001b"`,
  `"x-a" in request.headers && "x-b" in request.headers && request.headers["x-a"] + request.headers["x-b"] == "ab"`,
  `"x-a" in request.headers && "x-b" in request.headers && request.headers["x-a"] == "a" && request.headers["x-b"] == "b"`,
  `"x-a" in request.headers && request.headers["x-a"] == "ab" && !("x-b" in request.headers)`,
  `request.stream && request.path.startsWith("/v1/chat")`,
  `connection.name == "openai" && request.method == "POST"`,
  `identity.subject == "s1" || identity.issuer == "i2"`,
  `size(identity.groups) > 1`,
  `request.model == ""`,
  `identity.groups.exists(g, g.startsWith("adm"))`,
  `"x-n" in request.headers && request.headers["x-n"] == "1"`,
  `int(request.headers["x-n"]) > 3`,
  `identity.claims.tier == "gold"`,
];
function policies(snap: typeof ref.snap) {
  const list = whens.map((when, i) => pb.create(snap.PolicySchema, { name: `p${i}`, priority: 100 - i, connections: ["*"], action: i % 3 === 0 ? snap.PolicyAction.DENY : i % 3 === 1 ? snap.PolicyAction.MASK : snap.PolicyAction.ALLOW, when, detectors: i % 3 === 1 ? ["email"] : [], keywords: i === 5 ? ["nightingale"] : [], reason: `r${i}` }));
  list.push(pb.create(snap.PolicySchema, { name: "allow-all", priority: -1, connections: ["*"], action: snap.PolicyAction.ALLOW }));
  return list;
}
const refSet = ref.compilePolicies(policies(ref.snap), ["openai", "claude"]);
const curSet = cur.compilePolicies(policies(cur.snap), ["openai", "claude"]);

const small = (xs: string[]) => fc.constantFrom(...xs);
const value = small(["", "a", "b", "ab", "a\u0001b", "team-1", "1", "4", "x", "\u0001", "a, b", "undefined", '"a"', "null"]);
const context = fc.record({
  subject: small(["s1", "s2", ""]),
  email: small(["a@b.c", "x@blocked.example", ""]),
  groups: fc.array(small(["team-1", "adm", "admin", "eng", "", "a\u0001b"]), { maxLength: 3 }),
  issuer: small(["i1", "i2"]),
  tier: fc.option(small(["gold", "silver"]), { nil: undefined }),
  model: small(["gpt-4o", "gpt-3.5", "", "claude"]),
  method: small(["POST", "GET"]),
  path: small(["/v1/chat/completions", "/v1/responses"]),
  stream: fc.boolean(),
  headers: fc.dictionary(small(["x-team", "x-a", "x-b", "x-n", "X-A", "authorization"]), fc.oneof(value, fc.array(value, { minLength: 2, maxLength: 2 })), { maxKeys: 4 }),
  connection: small(["openai", "claude"]),
});

const counts = new Map<string, number>();
let tried = 0;
let differences = 0;
const summary = (e: { outcome: string; policy?: { name: string }; masks: { policy: string }[]; record?: string; error?: string }) => `${e.outcome}:${e.policy?.name ?? ""}:${e.masks.map((m) => m.policy).join("+")}:${e.record ?? ""}:${e.error ?? ""}`;
for (const c of fc.sample(context, { numRuns: Number(process.env.RUNS ?? 5000), seed: Number(process.env.SEED ?? 1) })) {
  const ctx = {
    identity: { subject: c.subject, email: c.email, groups: c.groups, issuer: c.issuer, claims: c.tier === undefined ? {} : { tier: c.tier } },
    request: { model: c.model, method: c.method, path: c.path, stream: c.stream, headers: c.headers, prompt: "hello nightingale" },
    connection: { name: c.connection, provider: "openai" },
    now: 0,
  };
  for (let pass = 0; pass < 2; pass++) {
    tried++;
    const a = summary(ref.evaluatePolicies(refSet.forConnection(c.connection), ctx));
    const b = summary(cur.evaluatePolicies(curSet.forConnection(c.connection), ctx));
    counts.set(b, (counts.get(b) ?? 0) + 1);
    if (a !== b) {
      differences++;
      if (differences < 10) console.log(`DIFF ${JSON.stringify(c)}\n  ${a}\n  ${b}`);
    }
  }
}
console.log([...counts].sort((x, y) => y[1] - x[1]).slice(0, 25));
console.log(`tried ${tried}, differences ${differences}`);

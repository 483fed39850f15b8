// `kind: Policy` through the CLI against a real control plane: the resource file applies,
// `get policies` prints a table, `-o yaml` applies again unchanged, a connection named by a policy
// cannot be deleted, `delete policy` works; file mistakes are located; `audit show` names the
// deciding policy and `audit list` the `limited` verdict.
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { SessionSchema } from "../../gen/palisade/admin/v1/session_service_pb.js";
import { PolicyAction } from "../../gen/palisade/admin/v1/resources_pb.js";
import { Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { renderList } from "../../cli/output.js";
import { parseResources } from "../../cli/resources/parse-resources.js";
import { renderSessionText, SESSION_COLUMNS, sessionView } from "../../cli/sessions/session-view.js";
import { runPalisade } from "../cli/test-context.js";
import { itLocatesMistakes, reapplyPolicies } from "./policy-files.js";
import { exchange } from "../storage/exchange-fixtures.js";
import { useControlPlaneBed } from "../support/control-plane-bed.js";

// The examples, verbatim, after the connection they name.
const POLICIES = `kind: Connection
name: openai
provider: openai
upstream: https://api.openai.com
credential: { header: authorization, value: Bearer sk-x }
---
kind: Policy
name: contractors-no-gpt4
priority: 100                       # higher first; first decisive match wins; default deny when no policy allows
connections: [openai]               # or ["*"]
when: >-                            # CEL, compiled once per snapshot (@bufbuild/cel)
  "contractors" in identity.groups && request.model.startsWith("gpt-4")
action: deny
reason: Contractors may not use GPT-4 models
---
kind: Policy
name: no-ssn-keywords
connections: ["*"]
match:                              # content rules over the prompt text (all messages, tools, inputs)
  keywords: ["social security", "credit card number"]   # case-insensitive, word-bounded
  patterns: ['\\b\\d{3}-\\d{2}-\\d{4}\\b']                     # regexes, checked at apply time for safety
action: deny
---
kind: Policy
name: per-user-budget
connections: ["*"]
action: allow
limits: { requestsPerMinute: 60, tokensPerHour: 200000 }   # per identity; 429 with Retry-After
`;

describe("policy resource files", () => {
  it("reads every field of the issue's examples", () => {
    const [, gpt4, ssn, budget] = parseResources(POLICIES).map((r) => r.resource.resource.value);
    expect(gpt4).toMatchObject({
      name: "contractors-no-gpt4", priority: 100, connections: ["openai"], action: PolicyAction.DENY,
      when: '"contractors" in identity.groups && request.model.startsWith("gpt-4")', reason: "Contractors may not use GPT-4 models",
    });
    expect(ssn).toMatchObject({ priority: 0, match: { keywords: ["social security", "credit card number"], patterns: ["\\b\\d{3}-\\d{2}-\\d{4}\\b"] } });
    expect(budget).toMatchObject({ action: PolicyAction.ALLOW, limits: { requestsPerMinute: 60, tokensPerHour: 200_000n } });
  });

  itLocatesMistakes([
    ["kind: Policy\nname: p\nconnections: ['*']\naction: block\n", 4, /unknown action "block" \(allow, deny, mask, review\)/],
    ["kind: Policy\nname: p\npriority: high\naction: allow\n", 3, /Policy "p": priority must be a whole number/],
    ["kind: Policy\nname: p\npriority: 2.5\naction: allow\n", 3, /priority must be a whole number/],
    ["kind: Policy\nname: p\naction: allow\nlimits: { requestsPerHour: 5 }\n", 4, /unknown field "requestsPerHour" \(known fields: requestsPerMinute, tokensPerHour, scope, onStoreDown\)/],
    ["kind: Policy\nname: p\naction: allow\nlimits: { requestsPerMinute: -1 }\n", 4, /requestsPerMinute must be between 0 and 4294967295/],
    ["kind: Policy\nname: p\nmatch: { words: [x] }\n", 3, /unknown field "words" \(known fields: keywords, patterns, keywordMatch\)/],
    ["kind: Policy\nname: p\nwhen: [1]\n", 3, /when must be a string/],
  ]);
});

describe("policies through the CLI", () => {
  // In-memory PGlite: no database server needed.
  const { env } = useControlPlaneBed({ flavour: "pglite" });

  it("applies, lists, re-applies its own YAML unchanged and deletes", async () => {
    const applied = await runPalisade(["apply", "-f", "-"], env, POLICIES);
    expect(applied, applied.stderr).toMatchObject({ code: 0 });
    expect(applied.stdout).toBe(
      "connection/openai created\npolicy/contractors-no-gpt4 created\npolicy/no-ssn-keywords created\npolicy/per-user-budget created\n",
    );

    const table = await runPalisade(["get", "policies"], env);
    expect(table.stdout.split("\n")).toEqual([
      "NAME                 PRIORITY  CONNECTIONS  ACTION  WHEN                                      LIMITS",
      'contractors-no-gpt4  100       openai       deny    "contractors" in identity.groups && req…',
      "no-ssn-keywords      0         *            deny    +content",
      "per-user-budget      0         *            allow                                             60/min, 200000 tokens/h (per agent)",
      "",
    ]);

    expect(await reapplyPolicies(env)).toBe("policy/contractors-no-gpt4 unchanged\npolicy/no-ssn-keywords unchanged\npolicy/per-user-budget unchanged\n");

    const one = JSON.parse((await runPalisade(["get", "policy", "per-user-budget", "-o", "json"], env)).stdout);
    expect(one).toMatchObject({ kind: "Policy", name: "per-user-budget", connections: ["*"], action: "allow", limits: { requestsPerMinute: 60, tokensPerHour: 200000 } });

    const refused = await runPalisade(["delete", "connection", "openai"], env);
    expect(refused).toMatchObject({ code: 1, stdout: "" });
    expect(refused.stderr).toBe('error: failed_precondition: connection "openai" is named by policy "contractors-no-gpt4"; change or delete it first\n');
    expect(await runPalisade(["delete", "policy", "contractors-no-gpt4"], env)).toMatchObject({ code: 0, stdout: "policy/contractors-no-gpt4 deleted\n" });
    expect(await runPalisade(["delete", "connection", "openai"], env)).toMatchObject({ code: 0 });
  });

  it("applies examples/quickstart.yaml, policies included", async () => {
    const run = await runPalisade(["apply", "-f", new URL("../../examples/quickstart.yaml", import.meta.url).pathname], env);
    expect(run, run.stderr).toMatchObject({ code: 0 });
    expect(run.stdout).toContain("policy/no-secrets-in-prompts created\n");
  });

  it("refuses a CEL error with its position, naming the policy", async () => {
    const run = await runPalisade(["apply", "-f", "-"], env, "kind: Policy\nname: broken\nconnections: ['*']\naction: deny\nwhen: identity.groups.exists(g, g ==\n");
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: invalid_argument: policy "broken": when does not compile at line 1, column \d+: /);
  });
});

describe("sessions decided by a policy", () => {
  it("shows the limited verdict in lists and the deciding policy in show", () => {
    const limited = exchange("s-1");
    limited.verdict = Verdict.LIMITED;
    limited.status = 429;
    limited.policy = "per-user-budget";
    const view = sessionView(create(SessionSchema, { exchange: limited }), true);
    expect(view.response).toMatchObject({ verdict: "limited", policy: "per-user-budget" });
    expect(renderList("table", [view], SESSION_COLUMNS)).toMatch(/ 429 +limited /);
    expect(renderSessionText(view)).toMatch(/^Policy {6}per-user-budget$/m);
    const plain = sessionView(create(SessionSchema, { exchange: exchange("s-2") }), true);
    expect(renderSessionText(plain)).toMatch(/^Policy {6}none$/m);
  });
});

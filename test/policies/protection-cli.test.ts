// The mask, review and record fields of `kind: Policy` through the CLI: read from YAML (durations
// as `30s`/`10m`), mistakes located, and `get -o yaml` output applied again unchanged against a
// real control plane.
import { describe, expect, it } from "vitest";
import {
  MaskDirection, MaskStyle, PolicyAction, RecordMode,
} from "../../gen/palisade/admin/v1/resources_pb.js";
import { parseResources } from "../../cli/resources/parse-resources.js";
import { runPalisade } from "../cli/test-context.js";
import { itLocatesMistakes, reapplyPolicies } from "./policy-files.js";
import { useControlPlaneBed } from "../support/control-plane-bed.js";

const POLICIES = `kind: Connection
name: openai
provider: openai
upstream: https://api.openai.com
credential: { header: authorization, value: Bearer sk-x }
---
kind: Policy
name: card-review
priority: 100
connections: ["*"]
match: { keywords: ["credit card", "social security"] }
action: review
approvers: [security]
wait: 30s
grant: 1h30m
webhook: https://hooks.example.com/palisade
record: none
---
kind: Policy
name: mask-pii
priority: 90
connections: ["*"]
action: mask
detectors: [email, phone]
maskPatterns: ['ACME-\\d{4}']
maskWords: [Project Falcon]
phoneRegion: US
direction: response
style: pseudonymize
restore: true
record: masked
---
kind: Policy
name: allow-all
connections: ["*"]
action: allow
`;

describe("policy protection fields in resource files", () => {
  it("reads every mask, review and record field", () => {
    const [, review, mask] = parseResources(POLICIES).map((r) => r.resource.resource.value);
    expect(review).toMatchObject({
      action: PolicyAction.REVIEW, approvers: ["security"], wait: { seconds: 30n }, grant: { seconds: 5400n },
      webhook: "https://hooks.example.com/palisade", record: RecordMode.NONE,
    });
    expect(mask).toMatchObject({
      action: PolicyAction.MASK, detectors: ["email", "phone"], maskPatterns: ["ACME-\\d{4}"], maskWords: ["Project Falcon"],
      phoneRegion: "US", direction: MaskDirection.RESPONSE, style: MaskStyle.PSEUDONYMIZE, restore: true, record: RecordMode.MASKED,
    });
  });

  itLocatesMistakes([
    ["kind: Policy\nname: p\naction: mask\ndirection: inbound\n", 4, /unknown direction "inbound" \(request, response, both\)/],
    ["kind: Policy\nname: p\naction: mask\nstyle: hash\n", 4, /unknown style "hash" \(redact, pseudonymize\)/],
    ["kind: Policy\nname: p\naction: allow\nrecord: all\n", 4, /unknown record "all" \(masked, raw, none\)/],
    ["kind: Policy\nname: p\naction: mask\nrestore: yes please\n", 4, /restore must be true or false/],
    ["kind: Policy\nname: p\naction: review\nwait: 30 seconds\n", 4, /wait: invalid duration "30 seconds"/],
    ["kind: Policy\nname: p\naction: review\napprovers: security\n", 4, /approvers must be a list of strings/],
  ]);
});

describe("policy protection fields through the CLI", () => {
  // In-memory PGlite: no database server needed.
  const { env } = useControlPlaneBed({ flavour: "pglite" });

  it("applies, prints the fields back as written and re-applies its own YAML unchanged", async () => {
    const applied = await runPalisade(["apply", "-f", "-"], env, POLICIES);
    expect(applied, applied.stderr).toMatchObject({ code: 0 });

    const review = JSON.parse((await runPalisade(["get", "policy", "card-review", "-o", "json"], env)).stdout);
    expect(review).toMatchObject({ action: "review", approvers: ["security"], wait: "30s", grant: "1h30m", webhook: "https://hooks.example.com/palisade", record: "none" });
    const mask = JSON.parse((await runPalisade(["get", "policy", "mask-pii", "-o", "json"], env)).stdout);
    expect(mask).toMatchObject({
      action: "mask", detectors: ["email", "phone"], maskPatterns: ["ACME-\\d{4}"], maskWords: ["Project Falcon"], phoneRegion: "US",
      direction: "response", style: "pseudonymize", restore: true, record: "masked",
    });

    expect(await reapplyPolicies(env)).toBe("policy/allow-all unchanged\npolicy/card-review unchanged\npolicy/mask-pii unchanged\n");
  });

  it("shows a refusal naming the policy and the field", async () => {
    const run = await runPalisade(["apply", "-f", "-"], env, "kind: Policy\nname: m\nconnections: ['*']\naction: mask\ndetectors: [dna]\n");
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: invalid_argument: policy "m": detector 1 "dna" is not known/);
  });
});

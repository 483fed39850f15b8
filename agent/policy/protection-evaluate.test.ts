// Mask, review and record in evaluation and admission: mask policies are not decisive, review is,
// and the record mode is the most restrictive of the matched policies.
import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import {
  MaskDirection, MaskStyle, PolicyAction, PolicySchema, RecordMode, type Policy,
} from "../../gen/palisade/agent/v1/snapshot_pb.js";
import type { RequestContext } from "./activation.js";
import { admitRequest } from "./admit-request.js";
import { compilePolicies } from "./compile-policies.js";
import { evaluatePolicies } from "./evaluate.js";
import { createLimitTracker } from "./limits.js";
import { REVIEW_GRANT_DEFAULT_MS, REVIEW_WAIT_DEFAULT_MS, REVIEW_WAIT_MAX_MS } from "../../core/policy/protection-rules.js";

type PolicyInit = Partial<Omit<Policy, "$typeName">> & { name: string };
const policy = (init: PolicyInit) => create(PolicySchema, { connections: ["*"], action: PolicyAction.ALLOW, ...init });
const mask = (init: PolicyInit) => policy({ action: PolicyAction.MASK, detectors: ["email"], ...init });

function context(prompt = "hello", groups = ["eng"]): RequestContext {
  return {
    identity: { subject: "alice", email: "alice@example.test", groups, issuer: "urn:test", claims: { sub: "alice" } },
    request: { model: "gpt-4o", method: "POST", path: "/v1/chat/completions", stream: false, headers: {}, prompt },
    connection: { name: "openai", provider: "openai" },
    now: Date.parse("2026-01-05T10:00:00Z"),
  };
}

const compile = (policies: PolicyInit[]) => compilePolicies(policies.map((p) => create(PolicySchema, p as Policy)), ["openai"]);
const evaluate = (policies: Policy[], ctx = context()) => evaluatePolicies(compilePolicies(policies, ["openai"]).forConnection("openai"), ctx);
const admit = (policies: Policy[], ctx = context()) =>
  admitRequest({ session: "s-1", connection: { name: "openai", allowedGroups: new Set() }, policies: compilePolicies(policies, ["openai"]), limits: createLimitTracker(), context: ctx });

describe("mask policies in evaluation", () => {
  it("are not decisive: every matching one contributes its rule, in order, and the next policy decides", () => {
    const evaluation = evaluate([
      mask({ name: "mask-email", priority: 30 }),
      mask({ name: "mask-phone", priority: 20, detectors: ["phone"], direction: MaskDirection.RESPONSE, style: MaskStyle.PSEUDONYMIZE, restore: true }),
      mask({ name: "mask-never", priority: 25, when: "false" }),
      policy({ name: "allow-all", priority: 10 }),
      mask({ name: "mask-after", priority: 0 }),
    ]);
    expect(evaluation.outcome).toBe("allow");
    expect(evaluation.masks.map((rule) => rule.policy)).toEqual(["mask-email", "mask-phone"]);
    expect(evaluation.masks[0]).toMatchObject({ direction: "both", style: "redact", restore: false });
    expect(evaluation.masks[1]).toMatchObject({ direction: "response", style: "pseudonymize", restore: true });
    expect(evaluation.masks[0].detectors.find("write to bob@example.com").map((f) => f.value)).toEqual(["bob@example.com"]);
  });

  it("apply only when their content rules match, and do not allow anything on their own", () => {
    const policies = [mask({ name: "mask-hr", priority: 10, keywords: ["salary"] })];
    expect(evaluate(policies, context("what is my salary")).outcome).toBe("no-allow");
    expect(evaluate(policies, context("what is my salary")).masks).toHaveLength(1);
    expect(evaluate(policies, context("hello")).masks).toHaveLength(0);
  });

  it("keep restore only with pseudonymize, and compile their detectors once per snapshot", () => {
    const compiled = compilePolicies([mask({ name: "m", restore: true, maskWords: ["Project Falcon"], maskPatterns: ["ACME-\\d{4}"] })], ["openai"]);
    const rule = compiled.forConnection("openai")[0].mask!;
    expect(rule.restore).toBe(false);
    expect(rule.detectors.find("Project Falcon and ACME-1234, a@b.co").map((f) => f.detector)).toEqual(["word", "pattern", "email"]);
  });

  it("NACK a snapshot with no detector at all or a bad region", () => {
    expect(() => compile([mask({ name: "m", detectors: [] })])).toThrow(/policy m: mask policy with no detectors/);
    expect(() => compile([mask({ name: "m", detectors: ["phone"], phoneRegion: "ZZ" })])).toThrow(/policy m: .*region/);
  });

  it("deny where a policy with a detector or an action this agent does not know applies (a newer control plane's)", () => {
    const [dna] = compile([mask({ name: "m", detectors: ["email", "dna"] })]).all;
    expect(dna).toMatchObject({ decision: "deny", reason: expect.stringContaining("detector dna") });
    expect(dna?.mask?.detectors.find("a@b.co").map((f) => f.detector)).toEqual(["email"]); // the record is still masked by what it knows
    expect(compile([policy({ name: "m", action: 9 as PolicyAction })]).all[0]).toMatchObject({ decision: "deny", reason: expect.stringContaining("action=9") });
  });
});

describe("review policies in evaluation and admission", () => {
  it("decide like deny, with defaults for wait and grant", () => {
    const evaluation = evaluate([
      policy({ name: "card-review", priority: 50, action: PolicyAction.REVIEW, keywords: ["credit card"], approvers: ["security"] }),
      policy({ name: "allow-all" }),
    ], context("my credit card is blocked"));
    expect(evaluation.outcome).toBe("review");
    if (evaluation.outcome !== "review") return;
    expect(evaluation.policy.review).toEqual({ approvers: ["security"], waitMs: REVIEW_WAIT_DEFAULT_MS, grantMs: REVIEW_GRANT_DEFAULT_MS });
  });

  it("give admission a distinct outcome carrying the hold and how to go on once approved", () => {
    const admission = admit([
      mask({ name: "mask-email", priority: 60 }),
      policy({ name: "ssn", priority: 50, action: PolicyAction.REVIEW, approvers: ["security", "legal"], wait: durationFromMs(20 * 60_000), grant: durationFromMs(60_000) }),
      policy({ name: "allow-all" }),
    ]);
    expect(admission.ok).toBe("review");
    if (admission.ok !== "review") return;
    expect(admission.review).toEqual({ policy: "ssn", approvers: ["security", "legal"], waitMs: REVIEW_WAIT_MAX_MS, grantMs: 60_000 });
    expect(admission.admitted).toMatchObject({ ok: true, policy: "ssn", record: "masked" });
    expect(admission.admitted.masks.map((rule) => rule.policy)).toEqual(["mask-email"]);
  });

  it("NACK a review policy without approvers", () => {
    expect(() => compile([policy({ name: "r", action: PolicyAction.REVIEW })])).toThrow(/policy r: review policy with no approvers/);
  });
});

describe("record mode", () => {
  it("is the most restrictive of the matched policies up to the decider (none, masked, raw)", () => {
    const policies = [
      policy({ name: "a-raw", priority: 30, action: PolicyAction.UNSPECIFIED, requestsPerMinute: 100, record: RecordMode.RAW }),
      mask({ name: "b-masked", priority: 20, record: RecordMode.MASKED }),
      policy({ name: "c-allow", priority: 10 }),
      policy({ name: "d-none", priority: 0, record: RecordMode.NONE }),
    ];
    expect(admit(policies)).toMatchObject({ ok: true, policy: "c-allow", record: "masked" });
    expect(admit([...policies, policy({ name: "e-none", priority: 15, when: "true", action: PolicyAction.UNSPECIFIED, requestsPerMinute: 5, record: RecordMode.NONE })]))
      .toMatchObject({ ok: true, record: "none" });
  });

  it("defaults to masked when a mask rule applied, else raw, and reaches refusals too", () => {
    expect(admit([policy({ name: "allow-all" })])).toMatchObject({ ok: true, record: "raw", masks: [] });
    expect(admit([mask({ name: "m", priority: 1 }), policy({ name: "allow-all" })])).toMatchObject({ ok: true, record: "masked" });
    expect(admit([policy({ name: "no", action: PolicyAction.DENY, record: RecordMode.NONE })])).toMatchObject({ ok: false, record: "none" });
  });
});

describe("binary parts (the fail-closed rule)", () => {
  const image = [{ location: "request.messages[0].content[1].image_url.url", kind: "data URL image/png" }];
  const withImage = (prompt = "hello") => ({ ...context(prompt), binary: () => image });
  const review = (init: PolicyInit) => policy({ action: PolicyAction.REVIEW, approvers: ["security"], ...init });

  it.each([
    ["a request mask policy", [mask({ name: "mask-email", priority: 20 })]],
    ["a review policy", [review({ name: "hold", priority: 20 })]],
    ["a deny policy whose keyword did not match", [policy({ name: "no-topic", priority: 20, action: PolicyAction.DENY, keywords: ["nightingale"] })]],
  ])("are refused (400 binary_part_refused) where %s applies, naming it and the part", (_name, protecting) => {
    const decision = admit([...protecting, policy({ name: "allow-all", priority: 0 })], withImage());
    expect(decision).toMatchObject({ ok: false, refusal: { status: 400, kind: "invalid_request", code: "binary_part_refused" }, policy: protecting[0]!.name });
    expect(decision.ok === false && decision.reason).toContain("data URL image/png at request.messages[0].content[1].image_url.url");
  });

  it("pass where every such policy says binary: allow, or only a response mask applies, or the policy's condition is false", () => {
    for (const policies of [
      [mask({ name: "mask-email", priority: 20, allowBinary: true }), review({ name: "hold", priority: 10, allowBinary: true, when: "false" })],
      [mask({ name: "mask-replies", priority: 20, direction: MaskDirection.RESPONSE })],
      [mask({ name: "mask-email", priority: 20, when: "false" })],
    ]) {
      expect(admit([...policies, policy({ name: "allow-all", priority: 0 })], withImage()).ok).toBe(true);
    }
  });

  it("lose to a deny whose keyword matched (403)", () => {
    const decision = admit([policy({ name: "no-topic", priority: 20, action: PolicyAction.DENY, keywords: ["nightingale"] }), policy({ name: "allow-all", priority: 0 })], withImage("about nightingale"));
    expect(decision).toMatchObject({ ok: false, refusal: { status: 403 } });
  });

  it("of a refused request is masked by every mask policy of the connection, whatever its priority, when or direction", () => {
    const masks = [
      mask({ name: "m-below", priority: 1 }),
      mask({ name: "m-never", priority: 2, when: "false", detectors: ["phone"], direction: MaskDirection.RESPONSE }),
    ];
    const denied = admit([...masks, policy({ name: "no", priority: 10, action: PolicyAction.DENY }), policy({ name: "allow-all" })]);
    expect(denied).toMatchObject({ ok: false, record: "masked" });
    if (denied.ok !== false) return;
    expect(denied.masks.map((rule) => [rule.policy, rule.direction, rule.restore])).toEqual([["m-never", "both", false], ["m-below", "both", false]]);
    // An explicit record mode of a matched policy still holds.
    expect(admit([...masks, policy({ name: "no", priority: 10, action: PolicyAction.DENY, record: RecordMode.RAW })])).toMatchObject({ ok: false, record: "raw" });
    // A held request keeps both: how it goes on once approved, and how it is recorded if refused.
    const held = admit([...masks, policy({ name: "r", priority: 10, action: PolicyAction.REVIEW, approvers: ["sec"] }), policy({ name: "allow-all" })]);
    expect(held).toMatchObject({ ok: "review", admitted: { record: "raw", masks: [] }, refused: { record: "masked" } });
    // Forwarded requests are unchanged: only the mask policies evaluated before the decider apply.
    expect(admit([...masks, policy({ name: "allow-all", priority: 10 })])).toMatchObject({ ok: true, record: "raw", masks: [] });
  });
});

// Mask, review and record fields through the admin API: stored and read back whole, unchanged on
// re-apply, carried into the agent's snapshot, and every mistake refused with INVALID_ARGUMENT
// naming the policy and the field.
import { type Client, Code } from "@connectrpc/connect";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Outcome, ResourceService } from "../../gen/palisade/admin/v1/resource_service_pb.js";
import {
  Kind, MaskDirection, MaskStyle, PolicyAction, RecordMode,
} from "../../gen/palisade/admin/v1/resources_pb.js";
import {
  MaskDirection as AgentDirection, MaskStyle as AgentStyle, PolicyAction as AgentAction, RecordMode as AgentRecord,
} from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { type AdminHarness, refusal, startAdminHarness } from "../admin/admin-harness.js";
import { connection, policy } from "./fixtures.js";

const maskEmail = policy("mask-pii", {
  priority: 90, action: PolicyAction.MASK, detectors: ["email", "phone"], maskPatterns: ["ACME-\\d{4}"],
  maskWords: ["Project Falcon"], phoneRegion: "US", direction: MaskDirection.RESPONSE, style: MaskStyle.PSEUDONYMIZE,
  restore: true, record: RecordMode.MASKED,
});
const cardReview = policy("card-review", {
  priority: 80, action: PolicyAction.REVIEW, match: { keywords: ["credit card"] }, approvers: ["security"],
  wait: durationFromMs(45_000), grant: durationFromMs(15 * 60_000), webhook: "https://hooks.example.com/review",
  record: RecordMode.NONE,
});

describe("policy protection fields through the admin API", () => {
  let admin: AdminHarness;
  let client: Client<typeof ResourceService>;
  beforeAll(async () => {
    admin = await startAdminHarness();
    client = admin.client(ResourceService);
    await client.apply({ resources: [connection("openai")] });
  });
  afterAll(async () => { await admin?.close(); });

  it("stores every mask, review and record field, reads them back and re-applies unchanged", async () => {
    await client.apply({ resources: [maskEmail, cardReview] });
    const mask = (await client.getResource({ kind: Kind.POLICY, name: "mask-pii" })).resource!.resource.value!;
    expect(mask).toMatchObject({
      action: PolicyAction.MASK, detectors: ["email", "phone"], maskPatterns: ["ACME-\\d{4}"], maskWords: ["Project Falcon"],
      phoneRegion: "US", direction: MaskDirection.RESPONSE, style: MaskStyle.PSEUDONYMIZE, restore: true, record: RecordMode.MASKED,
    });
    const review = (await client.getResource({ kind: Kind.POLICY, name: "card-review" })).resource!.resource.value!;
    expect(review).toMatchObject({
      action: PolicyAction.REVIEW, approvers: ["security"], webhook: "https://hooks.example.com/review", record: RecordMode.NONE,
      wait: { seconds: 45n, nanos: 0 }, grant: { seconds: 900n, nanos: 0 },
    });
    const again = await client.apply({ resources: [maskEmail, cardReview] });
    expect(again.results.map((r) => r.outcome)).toEqual([Outcome.UNCHANGED, Outcome.UNCHANGED]);
    const longer = policy("card-review", { ...cardReview.resource.value, wait: durationFromMs(60_000) } as never);
    expect((await client.apply({ resources: [longer] })).results[0].outcome).toBe(Outcome.UPDATED);
  });

  it("carries them into the agent's snapshot (the webhook stays on the control plane)", async () => {
    await client.apply({ resources: [maskEmail, cardReview] });
    await admin.snapshots.refresh();
    const policies = admin.snapshots.current("").policies;
    expect(policies.find((p) => p.name === "mask-pii")).toMatchObject({
      action: AgentAction.MASK, detectors: ["email", "phone"], maskPatterns: ["ACME-\\d{4}"], maskWords: ["Project Falcon"],
      phoneRegion: "US", direction: AgentDirection.RESPONSE, style: AgentStyle.PSEUDONYMIZE, restore: true, record: AgentRecord.MASKED,
    });
    expect(policies.find((p) => p.name === "card-review")).toMatchObject({
      action: AgentAction.REVIEW, approvers: ["security"], wait: { seconds: 45n }, grant: { seconds: 900n }, record: AgentRecord.NONE,
    });
  });

  const mask = (init: object) => policy("m", { action: PolicyAction.MASK, detectors: ["email"], ...init });
  const review = (init: object) => policy("r", { action: PolicyAction.REVIEW, approvers: ["security"], ...init });
  it.each([
    ["an unknown detector", mask({ detectors: ["email", "dna"] }), /^policy "m": detector 2 "dna" is not known \(known: email, phone, /],
    ["a mask with nothing to find", mask({ detectors: [] }), /^policy "m": action mask needs at least one of detectors, maskPatterns or maskWords$/],
    ["an invalid mask pattern", mask({ maskPatterns: ["("] }), /^policy "m": maskPattern 1 is not a valid regular expression/],
    ["an empty mask word", mask({ maskWords: ["ok", " "] }), /^policy "m": maskWords\[1\] must not be empty or blank \[string.not_blank\]$/],
    ["an unknown phone region", mask({ detectors: ["phone"], phoneRegion: "ZZ" }), /^policy "m": phoneRegion "ZZ" is not a region/],
    ["a malformed phone region", mask({ detectors: ["phone"], phoneRegion: "USA" }), /^policy "m": phoneRegion must be an ISO 3166 alpha-2 region such as US or DE \[policy.phone_region\]$/],
    ["a phone region without the phone detector", mask({ phoneRegion: "US" }), /^policy "m": phoneRegion needs the phone detector$/],
    ["restore without pseudonymize", mask({ restore: true }), /^policy "m": restore needs style pseudonymize/],
    ["mask fields on an allow policy", policy("m", { detectors: ["email"] }), /^policy "m": detectors is only for action mask$/],
    ["a review without approvers", review({ approvers: [] }), /^policy "r": action review needs at least one approvers group$/],
    ["an empty approvers group", review({ approvers: [""] }), /^policy "r": approvers\[0\] must not be empty or blank \[string.not_blank\]$/],
    ["a wait over 5 minutes", review({ wait: durationFromMs(301_000) }), /^policy "r": wait must be more than 0s and at most 5m \[duration.gt_lte\]$/],
    ["a wait of a fraction of a second", review({ wait: durationFromMs(1500) }), /^policy "r": wait must be whole seconds$/],
    ["a grant over 7 days", review({ grant: durationFromMs(8 * 86_400_000) }), /^policy "r": grant must be more than 0s and at most 7d \[duration.gt_lte\]$/],
    ["a webhook that is not http(s)", review({ webhook: "ftp://hooks.example.com" }), /^policy "r": webhook must be an http\(s\) URL/],
    ["a plain-http webhook to another host", review({ webhook: "http://hooks.internal/review" }), /^policy "r": webhook must be https \(http only to localhost/],
    ["a webhook with credentials", review({ webhook: "https://bot:pw@hooks.example.com/" }), /^policy "r": webhook must not carry credentials/],
    ["review fields on a deny policy", policy("r", { action: PolicyAction.DENY, approvers: ["x"] }), /^policy "r": approvers is only for action review$/],
    ["an unknown record mode", policy("p", { record: 7 as RecordMode }), /^policy "p": record must be one of masked, raw, none \[enum.defined_only\]$/],
    ["an unknown style", mask({ style: 9 as MaskStyle }), /^policy "m": style must be one of redact, pseudonymize \[enum.defined_only\]$/],
  ])("refuses %s, naming the field", async (_, resource, message) => {
    const error = await refusal(client.apply({ resources: [resource] }));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toMatch(message);
  });

  it("refuses a mask pattern that can backtrack catastrophically", async () => {
    const error = await refusal(client.apply({ resources: [mask({ maskPatterns: ["\\d{3}", "(a+)+$"] })] }));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toMatch(/^policy "m": maskPattern 2 can backtrack catastrophically/);
  }, 60_000);
});

// Apply-time checks of the data-protection fields of a Policy (mask, review, record) beyond the
// contract's field rules: fields that fit only some actions, detectors and patterns the agent must
// compile, the webhook rule: whatever an agent would NACK or could not honour is refused here with
// INVALID_ARGUMENT naming the policy and the field. Mask patterns are analysed for backtracking
// with the content-rule patterns (policy-patterns.ts), after these synchronous checks.
import { isSupportedCountry } from "libphonenumber-js/max";
import { type Policy, PolicyAction, MaskStyle } from "../gen/palisade/admin/v1/resources_pb.js";
import { BUILTIN_DETECTORS, compileDetectors } from "../core/detectors/compile-detectors.js";
import { invalid } from "./admin/input-checks.js";
import { patternSyntaxProblem } from "./policy-patterns.js";
import { webhookUrlProblem } from "./webhooks/webhook-url.js";

/** Throws INVALID_ARGUMENT for the first problem in the mask, review and record fields of `policy`. */
export function checkPolicyProtection(policy: Policy, what: string): void {
  checkMask(policy, what);
  checkReview(policy, what);
}

function checkMask(policy: Policy, what: string): void {
  const mask = policy.action === PolicyAction.MASK;
  const set = maskFieldsSet(policy);
  if (!mask) {
    if (set.length > 0) throw invalid(`${what}: ${set[0]} is only for action mask`);
    return;
  }
  if (policy.detectors.length + policy.maskPatterns.length + policy.maskWords.length === 0) {
    throw invalid(`${what}: action mask needs at least one of detectors, maskPatterns or maskWords`);
  }
  for (const [index, detector] of policy.detectors.entries()) {
    if (!BUILTIN_DETECTORS.includes(detector)) {
      throw invalid(`${what}: detector ${index + 1} "${detector}" is not known (known: ${BUILTIN_DETECTORS.join(", ")})`);
    }
  }
  for (const [index, pattern] of policy.maskPatterns.entries()) {
    const problem = patternSyntaxProblem(pattern);
    if (problem) throw invalid(`${what}: maskPattern ${index + 1} ${problem}`);
  }
  if (policy.phoneRegion !== "" && !isSupportedCountry(policy.phoneRegion.toUpperCase())) {
    throw invalid(`${what}: phoneRegion "${policy.phoneRegion}" is not a region with a known phone numbering plan`);
  }
  if (policy.phoneRegion !== "" && !policy.detectors.includes("phone")) {
    throw invalid(`${what}: phoneRegion needs the phone detector`);
  }
  if (policy.restore && policy.style !== MaskStyle.PSEUDONYMIZE) {
    throw invalid(`${what}: restore needs style pseudonymize (redacted values cannot be restored)`);
  }
  // Whatever else the agent would refuse to compile (and NACK the snapshot for).
  try {
    compileDetectors({
      builtins: policy.detectors, patterns: policy.maskPatterns, words: policy.maskWords,
      phoneRegion: policy.phoneRegion === "" ? undefined : policy.phoneRegion,
    });
  } catch (error) {
    throw invalid(`${what}: detectors do not compile: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function maskFieldsSet(policy: Policy): string[] {
  return [
    policy.detectors.length > 0 ? "detectors" : "", policy.maskPatterns.length > 0 ? "maskPatterns" : "",
    policy.maskWords.length > 0 ? "maskWords" : "", policy.phoneRegion !== "" ? "phoneRegion" : "",
    policy.direction !== 0 ? "direction" : "", policy.style !== 0 ? "style" : "", policy.restore ? "restore" : "",
  ].filter(Boolean);
}

function checkReview(policy: Policy, what: string): void {
  const review = policy.action === PolicyAction.REVIEW;
  const set = [
    policy.approvers.length > 0 ? "approvers" : "", policy.wait ? "wait" : "", policy.grant ? "grant" : "",
    policy.webhook !== "" ? "webhook" : "",
  ].filter(Boolean);
  if (!review) {
    if (set.length > 0) throw invalid(`${what}: ${set[0]} is only for action review`);
    return;
  }
  if (policy.approvers.length === 0) throw invalid(`${what}: action review needs at least one approvers group`);
  // The contract bounds wait and grant; they are stored and shown in whole seconds (`30s`, `10m`).
  for (const [field, duration] of [["wait", policy.wait], ["grant", policy.grant]] as const) {
    if (duration && duration.nanos !== 0) throw invalid(`${what}: ${field} must be whole seconds`);
  }
  const webhookProblem = policy.webhook === "" ? undefined : webhookUrlProblem(policy.webhook);
  if (webhookProblem) throw invalid(`${what}: webhook ${webhookProblem}`);
}

// Apply-time checks of a Policy beyond the contract's field rules (proto/, enforced before this
// runs): whatever an agent would otherwise NACK or trip over on live traffic — conditions that do
// not compile, patterns, fields that only fit some actions — is refused with INVALID_ARGUMENT
// naming the policy and the field. Whether the named connections exist is checked by the store,
// inside the apply's transaction.
import { type Policy, PolicyAction } from "../gen/palisade/admin/v1/resources_pb.js";
import { compileCondition, ConditionError } from "../core/policy/condition.js";
import { keywordReadsAsNothing } from "../core/policy/keyword-reading.js";
import { invalid } from "./admin/input-checks.js";
import { patternSyntaxProblem } from "./policy-patterns.js";
import { checkPolicyProtection } from "./policy-protection-checks.js";

/** Throws INVALID_ARGUMENT for the first problem of `policy`. */
export function checkPolicy(policy: Policy): void {
  const what = `policy "${policy.name}"`;
  checkWhen(what, policy.when);
  for (const [index, keyword] of (policy.match?.keywords ?? []).entries()) {
    // A keyword with nothing to match on would make the rule hold for every prompt (an allow
    // policy allowing everything), or for none.
    if (keywordReadsAsNothing(keyword)) throw invalid(`${what}: keyword ${index + 1} reads as nothing (no letter or digit once invisible characters, accents and separators are set aside)`);
  }
  for (const [index, pattern] of (policy.match?.patterns ?? []).entries()) {
    // Backtracking is analysed after these checks, asynchronously: checkPolicyPatterns.
    const problem = patternSyntaxProblem(pattern);
    if (problem) throw invalid(`${what}: pattern ${index + 1} ${problem}`);
  }
  const limits = policy.limits;
  const hasLimits = (limits?.requestsPerMinute ?? 0) > 0 || (limits?.tokensPerHour ?? 0n) > 0n;
  if (policy.action === PolicyAction.UNSPECIFIED && !hasLimits) {
    throw invalid(`${what}: needs an action (allow, deny, mask or review) or limits (requestsPerMinute, tokensPerHour)`);
  }
  checkPolicyProtection(policy, what);
}

function checkWhen(what: string, when: string): void {
  if (when.trim() === "") return;
  try {
    compileCondition(when);
  } catch (error) {
    if (!(error instanceof ConditionError)) throw error;
    const at = error.line > 0 ? ` at line ${error.line}, column ${error.column}` : "";
    throw invalid(`${what}: when does not compile${at}: ${error.detail}`);
  }
}

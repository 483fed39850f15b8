// Apply-time checks of a Policy: everything an agent would otherwise NACK or trip over on live
// traffic is refused here with INVALID_ARGUMENT naming the policy and the field. Whether the named
// connections exist is checked by the store, inside the apply's transaction.
import { MaskDirection, MaskStyle, type Policy, PolicyAction, RecordMode } from "../gen/palisade/admin/v1/resources_pb.js";
import { compileCondition, ConditionError } from "../core/policy/condition.js";
import { checkName, invalid } from "./admin/input-checks.js";
import { patternSyntaxProblem } from "./policy-patterns.js";
import { checkPolicyProtection } from "./policy-protection-checks.js";
import { ALL_CONNECTIONS } from "./storage/resources/policies-references.js";

/** The longest reason, in UTF-8 bytes: it is sent to callers in every refusal. */
export const MAX_REASON_BYTES = 1024;
// Far above any real condition; keeps a pasted blob out of every snapshot.
const MAX_WHEN_LENGTH = 16 * 1024;
const MAX_KEYWORD_LENGTH = 256;

/** Throws INVALID_ARGUMENT for the first problem of `policy`. */
export function checkPolicy(policy: Policy): void {
  checkName("policy", policy.name);
  const what = `policy "${policy.name}"`;
  if (policy.connections.length === 0) throw invalid(`${what}: connections must name at least one connection, or "*"`);
  for (const connection of policy.connections) {
    if (connection !== ALL_CONNECTIONS) checkName(`${what}: connection`, connection);
  }
  checkWhen(what, policy.when);
  for (const [index, keyword] of (policy.match?.keywords ?? []).entries()) {
    if (keyword.trim() === "") throw invalid(`${what}: keyword ${index + 1} is empty`);
    if (keyword.length > MAX_KEYWORD_LENGTH) throw invalid(`${what}: keyword ${index + 1} is longer than ${MAX_KEYWORD_LENGTH} characters`);
  }
  for (const [index, pattern] of (policy.match?.patterns ?? []).entries()) {
    // Backtracking is analysed after these checks, asynchronously: checkPolicyPatterns.
    const problem = patternSyntaxProblem(pattern);
    if (problem) throw invalid(`${what}: pattern ${index + 1} ${problem}`);
  }
  if (!(policy.action in PolicyAction)) throw invalid(`${what}: action must be allow, deny, mask or review`);
  const limits = policy.limits;
  const hasLimits = (limits?.requestsPerMinute ?? 0) > 0 || (limits?.tokensPerHour ?? 0n) > 0n;
  if (policy.action === PolicyAction.UNSPECIFIED && !hasLimits) {
    throw invalid(`${what}: needs an action (allow, deny, mask or review) or limits (requestsPerMinute, tokensPerHour)`);
  }
  if (!(policy.record in RecordMode)) throw invalid(`${what}: record must be masked, raw or none`);
  if (!(policy.direction in MaskDirection)) throw invalid(`${what}: direction must be request, response or both`);
  if (!(policy.style in MaskStyle)) throw invalid(`${what}: style must be redact or pseudonymize`);
  checkPolicyProtection(policy, what);
  if ((limits?.tokensPerHour ?? 0n) > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw invalid(`${what}: tokensPerHour must be at most ${Number.MAX_SAFE_INTEGER}`);
  }
  if (Buffer.byteLength(policy.reason, "utf8") > MAX_REASON_BYTES) {
    throw invalid(`${what}: reason must be at most ${MAX_REASON_BYTES} bytes`);
  }
}

function checkWhen(what: string, when: string): void {
  if (when.trim() === "") return;
  if (when.length > MAX_WHEN_LENGTH) throw invalid(`${what}: when is longer than ${MAX_WHEN_LENGTH} characters`);
  try {
    compileCondition(when);
  } catch (error) {
    if (!(error instanceof ConditionError)) throw error;
    const at = error.line > 0 ? ` at line ${error.line}, column ${error.column}` : "";
    throw invalid(`${what}: when does not compile${at}: ${error.detail}`);
  }
}

// Evaluates one request against the policies of its connection, highest priority first: the first
// matching policy with a decisive action (allow, deny, review) decides; matching policies without
// one only add their limits; matching mask policies add their mask rule and evaluation goes on;
// every matching policy up to the deciding one may tighten the record mode. When nothing allows,
// the request is denied. An expression that fails to evaluate denies too (fail closed) and says
// which policy failed.
import type { RequestContext } from "./activation.js";
import { conditionValue, type ConditionInputs } from "./condition-cache.js";
import type { CompiledPolicy } from "./compile-policies.js";
import { forRequest } from "../../core/detectors/mask-types.js";
import { type MaskRule, type RecordChoice, stricterRecord } from "../../core/policy/protection-rules.js";
import { promptView, type PromptView } from "./content-match.js";
import type { ContentIndex, ContentScan } from "./content-index.js";

/** What every matched policy up to the deciding one contributes, whatever the outcome. */
export interface Contributions {
  /** Matched policies with limits, up to and including the deciding one. */
  limited: CompiledPolicy[];
  /** Mask rules of the matched mask policies, in evaluation order. */
  masks: MaskRule[];
  /** The most restrictive record mode the matched policies set; undefined when none set one. */
  record?: RecordChoice;
  /**
   * The first policy that applies to the request's content (content rules, a request mask, a
   * review) and does not allow binary parts, when the request has one: it cannot be inspected.
   */
  blind?: { policy: CompiledPolicy; part: { location: string; kind: string } };
}

/** The outcome of evaluation. */
export type Evaluation = Contributions & (
  | { outcome: "allow"; policy: CompiledPolicy }
  | { outcome: "deny"; policy: CompiledPolicy }
  | { outcome: "review"; policy: CompiledPolicy }
  | { outcome: "no-allow" }
  | { outcome: "error"; policy: CompiledPolicy; error: string });

/**
 * Evaluates `policies` (already in evaluation order) for `context`; never throws. `index`, the
 * policies' content rules searched together (built for this very list), answers them as each
 * policy's own rules would.
 */
export function evaluatePolicies(policies: readonly CompiledPolicy[], context: RequestContext, index?: ContentIndex): Evaluation {
  const limited: CompiledPolicy[] = [];
  const masks: MaskRule[] = [];
  let record: RecordChoice | undefined;
  // Built on first use only: many policies have no condition, many no content rules (and a
  // condition's remembered value needs no activation: condition-cache.ts).
  const inputs: ConditionInputs = { context };
  let prompt: PromptView | undefined;
  let scan: ContentScan | undefined;
  const indexed = index?.policies === policies ? index : undefined;
  let binary: readonly { location: string; kind: string }[] | undefined;
  let blind: Contributions["blind"];
  for (let at = 0; at < policies.length; at++) {
    const policy = policies[at]!;
    if (policy.condition) {
      const result = conditionValue(policy.condition, inputs);
      if (!result.ok) return { outcome: "error", policy, error: result.error, limited, masks, record, blind };
      if (!result.value) continue;
    }
    // A policy reading the request's content cannot read a binary part (fail closed unless it says binary: allow).
    const readsContent = policy.content !== undefined || policy.decision === "review" || (policy.mask !== undefined && forRequest(policy.mask));
    if (readsContent && !policy.allowBinary && !blind) {
      binary ??= context.binary?.() ?? [];
      if (binary.length > 0) blind = { policy, part: binary[0]! };
    }
    if (policy.content) {
      prompt ??= context.content?.() ?? promptView(context.request.prompt);
      if (!(indexed ? (scan ??= indexed.scan(prompt)).test(at, policy.content) : policy.content.test(prompt))) continue;
    }
    if (policy.limits) limited.push(policy);
    record = stricterRecord(record, policy.record);
    if (policy.mask) masks.push(policy.mask);
    if (policy.decision === "allow" || policy.decision === "deny" || policy.decision === "review") {
      return { outcome: policy.decision, policy, limited, masks, record, blind };
    }
  }
  return { outcome: "no-allow", limited, masks, record, blind };
}

// Evaluates one request against the policies of its connection, highest priority first: the first
// matching policy with an action decides; matching policies without one only add their limits;
// when nothing allows, the request is denied. An expression that fails to evaluate denies too
// (fail closed) and says which policy failed.
import { conditionActivation, type RequestContext } from "./activation.js";
import type { CompiledPolicy } from "./compile-policies.js";
import type { ConditionActivation } from "./condition.js";
import { promptView, type PromptView } from "./content-match.js";

/** The outcome of evaluation. `limited` lists every matched policy with limits, up to and including the deciding one. */
export type Evaluation =
  | { outcome: "allow"; policy: CompiledPolicy; limited: CompiledPolicy[] }
  | { outcome: "deny"; policy: CompiledPolicy; limited: CompiledPolicy[] }
  | { outcome: "no-allow"; limited: CompiledPolicy[] }
  | { outcome: "error"; policy: CompiledPolicy; error: string; limited: CompiledPolicy[] };

/** Evaluates `policies` (already in evaluation order) for `context`; never throws. */
export function evaluatePolicies(policies: readonly CompiledPolicy[], context: RequestContext): Evaluation {
  const limited: CompiledPolicy[] = [];
  // Built on first use only: many policies have no condition, many no content rules.
  let activation: ConditionActivation | undefined;
  let prompt: PromptView | undefined;
  for (const policy of policies) {
    if (policy.condition) {
      activation ??= conditionActivation(context);
      const result = policy.condition.evaluate(activation);
      if (!result.ok) return { outcome: "error", policy, error: result.error, limited };
      if (!result.value) continue;
    }
    if (policy.content && !policy.content.test((prompt ??= promptView(context.request.prompt)))) continue;
    if (policy.limits) limited.push(policy);
    if (policy.decision === "allow") return { outcome: "allow", policy, limited };
    if (policy.decision === "deny") return { outcome: "deny", policy, limited };
  }
  return { outcome: "no-allow", limited };
}

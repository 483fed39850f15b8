// What the record of a request that was not forwarded is masked with: every mask policy of its
// connection, whatever its `when`, priority or direction. Evaluation stops at the deciding policy,
// so a deny (or review, or limit) above a mask policy would otherwise leave the record raw: the
// request never reached the provider, but the audit log, its search index, the SIEM feed and the
// console would hold what the mask policy exists to keep out of them. A value any mask policy of
// the connection finds is therefore never kept in clear by the record of a refused request, nor
// by the text a record quotes from the caller (path, query, model, reasons) — docs/audit.md.
import type { MaskRule } from "../../core/policy/protection-rules.js";
import type { CompiledPolicy } from "./compile-policies.js";

const cache = new WeakMap<readonly CompiledPolicy[], MaskRule[]>();

/** The rules of every mask policy in `policies`, each reading requests and replies alike and never restoring (the record keeps placeholders). */
export function recordMaskRules(policies: readonly CompiledPolicy[]): MaskRule[] {
  let rules = cache.get(policies);
  if (!rules) {
    rules = policies.flatMap((policy) => (policy.mask ? [{ ...policy.mask, direction: "both" as const, restore: false }] : []));
    cache.set(policies, rules);
  }
  return rules;
}

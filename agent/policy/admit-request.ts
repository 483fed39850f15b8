// The policy step of the pipeline, after identity and body: the connection's allowed groups, then
// the policies, then the limits of the policies that matched. Every refusal names the deciding
// policy and the session, and never what the content rules matched. A review policy that decides
// gives a third outcome, HeldForReview, carrying what to go on with if the review approves.
import { Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import type { Refusal } from "../providers/index.js";
import type { RequestContext } from "./activation.js";
import type { CompiledPolicies } from "./compile-policies.js";
import { type Evaluation, evaluatePolicies } from "./evaluate.js";
import type { LimitAdmission, LimitGate, LimitRequest, LimitTracker } from "./limits.js";
import { type MaskRule, type RecordChoice, resolveRecord } from "../../core/policy/protection-rules.js";
import { recordMaskRules } from "./record-masks.js";

/** A request the policies let through: who decided, and where to report its token usage. */
export interface Admitted {
  ok: true;
  policy: string;
  /** Adds the tokens the provider reported for this request to the token windows that apply. */
  chargeTokens(tokens: number, now: number): void;
  /** Mask rules of every matching mask policy, in evaluation order (empty: nothing is masked). */
  masks: MaskRule[];
  /** What the record keeps of the bodies. */
  record: RecordChoice;
}

/** What the holding agent needs of the review policy that decided. */
export interface ReviewHold {
  policy: string;
  approvers: readonly string[];
  waitMs: number;
  grantMs: number;
}

/** A request a review policy holds: `review` says how, `admitted` is how it goes on once approved. */
export interface HeldForReview {
  ok: "review";
  policy: string;
  review: ReviewHold;
  admitted: Admitted;
  record: RecordChoice;
  /** What the record keeps should the hold end refused (the request then never reaches the provider): as a refusal's. */
  refused: Protection;
}

/** What the record of an exchange keeps of the bodies, and the mask rules that apply to it. */
export interface Protection {
  record: RecordChoice;
  masks: MaskRule[];
}

/** A request the policies refuse, with what to answer and what to record. */
export interface Refused {
  ok: false;
  refusal: Refusal;
  verdict: Verdict;
  /** The deciding policy, "" when none (allowed groups, nothing allowed). */
  policy: string;
  /** Recorded reason (may say more than the caller's message, never the matched text). */
  reason: string;
  headers: Record<string, string>;
  /** What the record keeps of the bodies (the matched policies may say none even for a refusal). */
  record: RecordChoice;
  /** Mask rules the record of the refused request is masked with: every mask policy of the connection (record-masks.ts). */
  masks: MaskRule[];
}

/** What the policy step needs about the connection. */
export interface PolicyTarget {
  name: string;
  /** Empty: any authenticated caller. */
  allowedGroups: ReadonlySet<string>;
}

function denied(session: string, message: string, policy: string, reason: string, protection: Protection): Refused {
  return {
    ok: false,
    refusal: { status: 403, kind: "forbidden", message: `${message} (session ${session})` },
    verdict: Verdict.DENIED,
    policy,
    reason,
    headers: {},
    ...protection,
  };
}

/** What admitRequest decides on. */
interface AdmitInput<Limits extends LimitGate> {
  session: string;
  connection: PolicyTarget;
  policies: CompiledPolicies;
  limits: Limits;
  context: RequestContext;
  /** What the request is expected to cost, for token limits that reserve (counter store). */
  cost?: LimitRequest;
}

type Decision = Admitted | Refused | HeldForReview;

/**
 * Decides on one request; never throws (nor rejects). Synchronous with this process's counters; a
 * shared gate (`--workers`) may answer later, only for requests a limited policy matched.
 */
export function admitRequest(input: AdmitInput<LimitTracker>): Decision;
export function admitRequest(input: AdmitInput<LimitGate>): Decision | Promise<Decision>;
export function admitRequest(input: AdmitInput<LimitGate>): Decision | Promise<Decision> {
  const { session, connection, context } = input;
  const groups = context.identity.groups;
  const policies = input.policies.forConnection(connection.name);
  // A request that is not forwarded is recorded masked by every mask policy of the connection (record-masks.ts).
  const refusalMasks = recordMaskRules(policies);
  if (connection.allowedGroups.size > 0 && !groups.some((group) => connection.allowedGroups.has(group))) {
    const reason = `caller is in none of the groups allowed to use connection ${connection.name}`;
    return denied(session, `Request denied by Palisade: ${reason}`, "", reason, { record: resolveRecord(undefined, refusalMasks), masks: refusalMasks });
  }

  const evaluation = evaluatePolicies(policies, context, input.policies.contentIndex(connection.name));
  const record = resolveRecord(evaluation.record, evaluation.masks);
  const forwarded = { record, masks: evaluation.masks };
  // An explicit `record` of a matched policy still holds (none stays none, raw stays raw).
  const protection = { record: resolveRecord(evaluation.record, refusalMasks), masks: refusalMasks };
  switch (evaluation.outcome) {
    case "no-allow":
      return denied(session, "Request denied by Palisade: no policy allows this request", "", "no policy allows this request", protection);
    case "error": {
      const name = evaluation.policy.name;
      return denied(session, `Request denied by Palisade: policy ${name} failed to evaluate`, name, `policy ${name} failed to evaluate (denied, fail closed): ${evaluation.error}`, protection);
    }
    case "deny": {
      const { name, reason } = evaluation.policy;
      const why = reason ? `: ${reason}` : "";
      return denied(session, `Request denied by Palisade policy ${name}${why}`, name, `denied by policy ${name}${why}`, protection);
    }
    case "allow":
    case "review":
      break;
  }
  if (evaluation.blind) {
    // Fail closed: a policy that reads the request's content cannot read this part of it.
    const { policy, part } = evaluation.blind;
    const reason = `request has a binary part (${part.kind} at ${part.location}) that policy ${policy.name} cannot inspect and does not allow (binary: allow would let it pass)`;
    return {
      ok: false,
      refusal: { status: 400, kind: "invalid_request", code: "binary_part_refused", message: `Request refused by Palisade: ${reason} (session ${session})` },
      verdict: Verdict.DENIED,
      policy: policy.name,
      reason,
      headers: {},
      ...protection,
    };
  }

  const admission = input.limits.admit(evaluation.limited, context.identity, context.now, input.cost);
  const decide = (limits: LimitAdmission) => underLimits(session, evaluation, limits, protection, forwarded);
  return admission instanceof Promise ? admission.then(decide) : decide(admission);
}

/** The decision once the limits answered. */
function underLimits(
  session: string,
  evaluation: Extract<Evaluation, { outcome: "allow" | "review" }>,
  admission: LimitAdmission,
  protection: Protection,
  forwarded: Protection,
): Decision {
  if (!admission.ok && admission.limit === "counter store") {
    // Fail closed: the policy's limits cannot be counted and its onStoreDown says deny.
    const { name } = admission.policy;
    const what = `limits of Palisade policy ${name} cannot be counted: the counter store is unreachable`;
    return {
      ok: false,
      refusal: { status: 503, kind: "unavailable", message: `The ${what}; retry later (session ${session})` },
      verdict: Verdict.LIMITED,
      policy: name,
      reason: `${what} (onStoreDown: deny)`,
      headers: { "retry-after": String(admission.retryAfterSeconds) },
      ...protection,
    };
  }
  if (!admission.ok) {
    const { name, reason, limits } = admission.policy;
    const amount = admission.limit === "requests per minute" ? limits?.requestsPerMinute : limits?.tokensPerHour;
    const why = [reason, admission.detail].filter(Boolean).join("; ");
    const what = `limit of ${amount} ${admission.limit} of Palisade policy ${name} reached${why ? ` (${why})` : ""}`;
    return {
      ok: false,
      refusal: { status: 429, kind: "rate_limited", message: `Rate ${what}; retry after ${admission.retryAfterSeconds} s (session ${session})` },
      verdict: Verdict.LIMITED,
      policy: name,
      reason: what,
      headers: { "retry-after": String(admission.retryAfterSeconds) },
      ...protection,
    };
  }
  const { policy } = evaluation;
  const admitted: Admitted = { ok: true, policy: policy.name, chargeTokens: admission.chargeTokens, ...forwarded };
  if (evaluation.outcome === "allow") return admitted;
  // A review policy always has its rule (compile-policies.ts); without one, refuse rather than forward.
  if (!policy.review) return denied(session, `Request denied by Palisade policy ${policy.name}: review is not configured`, policy.name, `review policy ${policy.name} has no review rule (denied, fail closed)`, protection);
  return { ok: "review", policy: policy.name, review: { policy: policy.name, ...policy.review }, admitted, record: forwarded.record, refused: protection };
}

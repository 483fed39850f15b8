// A request held for review may wait minutes (a policy's `wait`, up to 5) before its approval
// arrives. Whatever reached the agent meanwhile still refuses it: a block of the caller (an alert
// rule's or an administrator's), its token's revocation, its budget spent. The approval covers the
// request, never the caller's standing: checked again against the snapshot in force when it goes.
// So is any request during which a new snapshot arrived (a body sent slowly, a shared limit's
// answer): the block checked before its body was read may be older than the one in force.
import { Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import type { CompiledSnapshot } from "../config/compile-snapshot.js";
import type { CallerIdentity } from "../../core/identity/verifier.js";
import { blockMessage, blockReason } from "../policy/blocks.js";
import type { Refusal } from "../providers/index.js";

/** What refuses an approved request now, or undefined when it may go. */
export interface LateRefusal {
  refusal: Refusal;
  reason: string;
  verdict: Verdict;
  headers: Record<string, string>;
}

/** What the checks read of the held request. */
export interface HeldCaller {
  session: string;
  token: string | undefined;
  identity: CallerIdentity;
  connection: string;
  model: string;
  maxTokens: number | undefined;
  /** Its prompt's estimate in tokens (the budgets' up-front check counts it). */
  promptTokens: number;
}

/** The refusal of an approved request by the snapshot in force now (`snapshot`), if any. */
export async function refusalAfterHold(snapshot: CompiledSnapshot | undefined, held: HeldCaller, now: () => number): Promise<LateRefusal | undefined> {
  // No snapshot: the agent has none now (it never drops one once it has it); nothing can be checked.
  if (!snapshot) return { refusal: { status: 503, kind: "unavailable", message: "Palisade agent has no configuration now" }, reason: "no configuration to check the caller against before forwarding", verdict: Verdict.DENIED, headers: {} };
  const verification = await snapshot.identity.verify(held.token);
  if (!verification.ok && verification.unreachable) {
    const message = `Palisade cannot verify the token now: its identity provider's keys cannot be fetched; retry later (session ${held.session})`;
    return { refusal: { status: 503, kind: "unavailable", message }, reason: `before forwarding: ${verification.reason}`, verdict: Verdict.DENIED, headers: { "retry-after": "5" } };
  }
  if (!verification.ok) {
    return { refusal: { status: 401, kind: "unauthenticated", message: "Invalid or missing Palisade token" }, reason: `before forwarding: ${verification.reason}`, verdict: Verdict.DENIED, headers: {} };
  }
  const { subject, issuer, groups } = held.identity;
  const block = snapshot.blocks.find(subject, issuer, now());
  if (block) return { refusal: { status: 403, kind: "forbidden", message: blockMessage(block) }, reason: blockReason(block), verdict: Verdict.DENIED, headers: {} };
  const spent = snapshot.budgets.check({ subject, groups, connection: held.connection, model: held.model, maxTokens: held.maxTokens, promptTokens: held.promptTokens }, now());
  if (spent) {
    return {
      refusal: { status: 429, kind: "rate_limited", message: `${spent.message} (session ${held.session})` },
      reason: spent.reason, verdict: Verdict.LIMITED, headers: { "retry-after": String(spent.retryAfterSeconds) },
    };
  }
  return undefined;
}

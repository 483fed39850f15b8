// The review step of the pipeline: a request a review policy holds goes on only once approved
// (now, or earlier by a grant for the same request); everything else refuses (agent/review).
// The prompt approvers see is masked by every mask policy of the connection (as a refused request's
// record is: agent/policy/record-masks.ts), whatever their priority against the review policy, and
// cut at the record limit.
import { Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import type { CompiledSnapshot } from "../config/compile-snapshot.js";
import type { CallerIdentity } from "../../core/identity/verifier.js";
import { createMaskContext } from "../masking/mask-context.js";
import type { Admitted, HeldForReview } from "../policy/admit-request.js";
import type { Refusal } from "../providers/index.js";
import { cutString } from "../record/text-capture.js";
import type { HeldRequest } from "../review/content-hash.js";
import { holdRequest, type ReviewChannel } from "../review/review-hold.js";

/** How a hold ended: go on as admitted, or refuse with what to answer and record; both name the review. */
export type ReviewOutcome =
  | { ok: true; admitted: Admitted; reviewId: string }
  | { ok: false; refusal: Refusal; reason: string; verdict: Verdict; reviewId: string };

/** What the hold needs besides the admission. */
export interface HoldContext {
  session: string;
  identity: CallerIdentity;
  request: HeldRequest;
  model: string;
  /** The prompt text as the provider would read it (unmasked). */
  prompt: string;
  recordLimitBytes: number;
  /** The snapshot in force now: decisions arrive in newer snapshots than the request started with. */
  snapshot(): CompiledSnapshot | undefined;
  channel: ReviewChannel | undefined;
}

/** The prompt as approvers may read it; a masking failure sends nothing rather than the raw text. */
function promptForApprovers(held: HeldForReview, context: HoldContext): string {
  try {
    const masked = createMaskContext(held.refused.masks).prompt.mask(context.prompt, "review");
    return cutString(masked, context.recordLimitBytes).text;
  } catch {
    return "(prompt withheld: masking failed)";
  }
}

/** Holds `held` until it is decided; never throws. */
export async function holdForReview(held: HeldForReview, context: HoldContext): Promise<ReviewOutcome> {
  const outcome = await holdRequest({
    session: context.session,
    policy: held.review.policy,
    waitMs: held.review.waitMs,
    identity: context.identity,
    request: context.request,
    model: context.model,
    prompt: promptForApprovers(held, context),
    book: () => context.snapshot()?.reviews,
    channel: context.channel,
  });
  if (outcome.ok) return { ok: true, admitted: held.admitted, reviewId: outcome.reviewId };
  return { ok: false, refusal: outcome.refusal, reason: outcome.reason, verdict: Verdict.REVIEWED, reviewId: outcome.reviewId };
}

// The review step of the pipeline: a request a review policy holds goes on only once approved.
// Reviews are not available in this agent yet, so every held request is refused (fail closed):
// 403 in the provider's format, naming the policy. The review feature replaces this function.
import { Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import type { Admitted, HeldForReview } from "../policy/admit-request.js";
import type { Refusal } from "../providers/index.js";

/** How a hold ended: go on as admitted, or refuse with what to answer and record. */
export type ReviewOutcome =
  | { ok: true; admitted: Admitted }
  | { ok: false; refusal: Refusal; reason: string; verdict: Verdict };

/** Holds `held` until it is decided; never throws. */
export async function holdForReview(held: HeldForReview, session: string): Promise<ReviewOutcome> {
  const reason = `policy ${held.policy} requires review; reviews are not available`;
  return {
    ok: false,
    refusal: { status: 403, kind: "forbidden", message: `Request held by Palisade: ${reason} (session ${session})` },
    reason,
    verdict: Verdict.DENIED,
  };
}

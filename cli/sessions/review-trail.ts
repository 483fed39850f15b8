// The review trail of a held session for `audit show`: who asked for the review (the policy), its
// state, who decided, when and why. Read through ReviewService.GetReview; a caller whose role may
// not read reviews (viewer) sees the review id and why the trail is missing.
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { ReviewState } from "../../gen/palisade/admin/v1/review_service_pb.js";
import type { AdminClients } from "../client.js";

/** A review as `audit show` prints it. */
export interface ReviewTrail {
  id: string;
  state?: string;
  policy?: string;
  approvers?: string[];
  requestedAt?: string;
  decidedBy?: string;
  decidedAt?: string;
  reason?: string;
  grantUntil?: string;
  /** Why the trail could not be read (the review is gone, or the caller may not read reviews). */
  unavailable?: string;
}

const iso = (t: Timestamp | undefined) => (t ? timestampDate(t).toISOString() : undefined);

/** The trail of review `id`. */
export async function reviewTrail(admin: AdminClients, id: string): Promise<ReviewTrail> {
  try {
    const { review } = await admin.reviews.getReview({ id });
    if (!review) return { id, unavailable: "not found" };
    return {
      id,
      state: ReviewState[review.state]?.toLowerCase() ?? "unspecified",
      policy: review.policy,
      approvers: [...review.approvers],
      requestedAt: iso(review.createTime),
      ...(review.decidedBy ? { decidedBy: review.decidedBy } : {}),
      ...(review.decideTime ? { decidedAt: iso(review.decideTime) } : {}),
      ...(review.reason ? { reason: review.reason } : {}),
      ...(review.grantExpireTime ? { grantUntil: iso(review.grantExpireTime) } : {}),
    };
  } catch (error) {
    const e = ConnectError.from(error);
    if (e.code === Code.NotFound) return { id, unavailable: "not found (expired and pruned?)" };
    if (e.code === Code.PermissionDenied) return { id, unavailable: "your role may not read reviews" };
    throw error;
  }
}

/** One line for the human layout. */
export function reviewText(trail: ReviewTrail): string {
  if (trail.unavailable) return `${trail.id} (trail unavailable: ${trail.unavailable})`;
  const decided = trail.decidedBy ? `by ${trail.decidedBy}${trail.decidedAt ? ` at ${trail.decidedAt}` : ""}` : "";
  return [
    trail.id, trail.state, decided, trail.reason ? `"${trail.reason}"` : "",
    trail.policy ? `policy ${trail.policy}` : "", trail.requestedAt ? `requested ${trail.requestedAt}` : "",
    trail.grantUntil ? `grant until ${trail.grantUntil}` : "",
  ].filter(Boolean).join("  ");
}

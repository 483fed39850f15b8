// Who may decide a review, beyond the role check of the permission table: never the requester
// itself (same subject and issuer, whatever its roles), and an approver only when the policy named
// one of its groups. Admins decide any other review.
import type { AdminCaller } from "../auth/admin-auth.js";
import type { StoredReview } from "./review-rows.js";

/** Why `caller` may not decide `review`, or undefined when it may. */
export function decisionRefusal(caller: AdminCaller, review: Pick<StoredReview, "id" | "requester" | "approvers">): string | undefined {
  const identity = caller.identity;
  if (identity && identity.subject === review.requester.subject && identity.issuer === review.requester.issuer) {
    return `${caller.actor} requested review ${review.id} and cannot decide it`;
  }
  if (caller.roles.includes("admin")) return undefined;
  if (!caller.roles.includes("approver")) return `deciding a review requires role admin or approver; ${caller.actor} holds neither`;
  const groups = identity?.groups ?? [];
  if (review.approvers.some((group) => groups.includes(group))) return undefined;
  const named = review.approvers.length > 0 ? `one of the approver groups ${review.approvers.join(", ")}` : "an admin (the policy names no approver group)";
  return `review ${review.id} must be decided by ${named}; ${caller.actor} is not`;
}

// A stored review as the admin API shows it.
import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Review, ReviewSchema, ReviewState } from "../../gen/palisade/admin/v1/review_service_pb.js";
import { IdentitySchema } from "../../gen/palisade/agent/v1/exchange_pb.js";
import type { ReviewState as StateName, StoredReview } from "./review-rows.js";

const states: Record<StateName, ReviewState> = {
  pending: ReviewState.PENDING,
  approved: ReviewState.APPROVED,
  denied: ReviewState.DENIED,
  expired: ReviewState.EXPIRED,
};

/** The stored name of a state; undefined for UNSPECIFIED (no filter). */
export function stateName(state: ReviewState): StateName | undefined {
  return (Object.keys(states) as StateName[]).find((name) => states[name] === state);
}

/** The admin message of a stored review. */
export function reviewMessage(review: StoredReview): Review {
  return create(ReviewSchema, {
    id: review.id,
    session: review.session,
    policy: review.policy,
    connection: review.connection,
    requester: create(IdentitySchema, review.requester),
    model: review.model,
    contentHash: review.contentHash,
    prompt: review.prompt,
    state: states[review.state],
    approvers: review.approvers,
    grant: durationFromMs(review.grantMs),
    agent: review.agent,
    agentInstance: review.agentInstance,
    createTime: timestampFromDate(review.createdAt),
    holdUntil: timestampFromDate(review.holdUntil),
    expireTime: timestampFromDate(review.expireAt),
    decidedBy: review.decidedBy,
    decideTime: review.decidedAt && timestampFromDate(review.decidedAt),
    reason: review.reason,
    grantExpireTime: review.grantExpireTime && timestampFromDate(review.grantExpireTime),
  });
}

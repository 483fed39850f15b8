// The decided reviews of one snapshot, indexed for the hot path: by review id (a holding request
// waits for its own decision) and by what an approval grants (identity, policy, content hash).
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { ReviewDecision } from "../../gen/palisade/agent/v1/snapshot_pb.js";

/** Who and what a grant must match. */
export interface GrantKey {
  subject: string;
  issuer: string;
  policy: string;
  contentHash: string;
}

/** A decision as the agent uses it. */
export interface KnownDecision {
  id: string;
  approved: boolean;
  reason: string;
  decidedBy: string;
  /** Approved: when the grant ends (ms since the epoch); 0 for a denial. */
  grantExpiresAt: number;
}

/** One snapshot's decisions. */
export interface ReviewBook {
  /** The decision on review `id`, if the snapshot carries one. */
  decision(id: string): KnownDecision | undefined;
  /** An approval granting `key` that has not expired at `now`, if any (the one lasting longest). */
  grant(key: GrantKey, now: number): KnownDecision | undefined;
}

const keyOf = (key: GrantKey) => JSON.stringify([key.subject, key.issuer, key.policy, key.contentHash]);

/** Indexes `decisions` (the snapshot's `reviews`). */
export function compileReviewBook(decisions: readonly ReviewDecision[]): ReviewBook {
  const byId = new Map<string, KnownDecision>();
  const grants = new Map<string, KnownDecision[]>();
  for (const decision of decisions) {
    const known: KnownDecision = {
      id: decision.id,
      approved: decision.approved,
      reason: decision.reason,
      decidedBy: decision.decidedBy,
      grantExpiresAt: decision.approved && decision.grantExpireTime ? timestampMs(decision.grantExpireTime) : 0,
    };
    byId.set(decision.id, known);
    if (known.grantExpiresAt === 0) continue;
    const key = keyOf(decision);
    grants.set(key, [...(grants.get(key) ?? []), known]);
  }
  return {
    decision: (id) => byId.get(id),
    grant(key, now) {
      let best: KnownDecision | undefined;
      for (const known of grants.get(keyOf(key)) ?? []) {
        if (known.grantExpiresAt > now && (!best || known.grantExpiresAt > best.grantExpiresAt)) best = known;
      }
      return best;
    },
  };
}

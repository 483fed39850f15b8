// The decided reviews every agent receives in its snapshot: approvals whose grant still runs (the
// same request passes again), and recent denials (a holding agent must learn of its refusal).
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { EntityManager } from "@mikro-orm/sql";
import { type ReviewDecision, ReviewDecisionSchema } from "../../gen/palisade/agent/v1/snapshot_pb.js";

/** How long a denial stays in snapshots: longer than any hold (a policy's wait is at most 5 min). */
export const DENIAL_RETENTION_MS = 6 * 60_000;
/** At most this many decisions go to agents, newest first (a bound on the snapshot's size). */
export const MAX_DECISIONS = 10_000;

interface DecisionRow {
  id: string; state: string; reason: string; decided_by: string; subject: string; issuer: string;
  policy: string; content_hash: string; grant_expire_time: Date | string | null;
}

/** Reads the decisions agents need, as of the database's now(), inside the snapshot's transaction. */
export async function decisionsForAgents(tx: EntityManager): Promise<ReviewDecision[]> {
  const rows = await tx.execute<DecisionRow[]>(
    `select id, state, reason, decided_by, subject, issuer, policy, content_hash, grant_expire_time from review
     where (state = 'approved' and grant_expire_time > now())
        or (state = 'denied' and decided_at > now() - (? * interval '1 millisecond'))
     order by decided_at desc, id limit ?`,
    [DENIAL_RETENTION_MS, MAX_DECISIONS],
  );
  return rows.map((row) => create(ReviewDecisionSchema, {
    id: row.id,
    approved: row.state === "approved",
    reason: row.reason,
    decidedBy: row.decided_by,
    subject: row.subject,
    issuer: row.issuer,
    policy: row.policy,
    contentHash: row.content_hash,
    grantExpireTime: row.grant_expire_time === null ? undefined : timestampFromDate(new Date(row.grant_expire_time)),
  }));
}

// Reviews in PostgreSQL: stored once per id when an agent asks, decided once (a conditional update
// inside a transaction with its change event, so every replica pushes the decision to its agents),
// expired when nobody decided in time. Times come from the database's clock.
import { durationMs } from "@bufbuild/protobuf/wkt";
import type { EntityManager } from "@mikro-orm/sql";
import type { ReviewRequest } from "../../gen/palisade/agent/v1/agent_pb.js";
import { appendAuditEvents } from "../audit/audit-log.js";
import { recordChange } from "../storage/change-events.js";
import type { Database } from "../storage/database.js";
import { PolicyRow } from "../storage/entities.js";
import { policyFromRow } from "../storage/resources/policies.js";
import { REVIEW_SELECT, type ReviewRow, type ReviewState, reviewFromRow, type StoredReview } from "./review-rows.js";

/** Why an agent's review request was not stored; the message goes back in the ReviewAck. */
export class ReviewRefusedError extends Error {}

/** Why a decision was not recorded. */
export class ReviewDecisionError extends Error {
  constructor(message: string, readonly reason: "not-found" | "decided" | "expired") {
    super(message);
  }
}

/** A new review, as stored, with where to announce it. */
export interface CreatedReview {
  review: StoredReview;
  /** False when the id was already stored (an agent's resend): nothing new to announce. */
  created: boolean;
  /** The policy's webhook URL, empty for none. */
  webhook: string;
}

/** A decision on a pending review. */
export interface Decision {
  id: string;
  approved: boolean;
  reason: string;
  /** The decider as recorded (subject, or `admin-token:NAME`). */
  decidedBy: string;
}

/** One page of a listing, newest first. */
export interface ReviewQuery {
  state?: ReviewState;
  limit: number;
  /** Keyset position: what comes strictly after this (created_at text, id). */
  after?: { createdKey: string; id: string };
}

/** Review storage. */
export interface ReviewStore {
  /** Stores an agent's request once per id (a resend of the same request is not an error). */
  create(agent: string, request: ReviewRequest, instance?: string): Promise<CreatedReview>;
  get(id: string): Promise<StoredReview | undefined>;
  list(query: ReviewQuery): Promise<{ reviews: StoredReview[]; keys: string[] }>;
  /**
   * Records a decision if the review is still pending and not expired, with its change event and
   * audit event in the same transaction. `authorize` sees the locked review first and throws to refuse.
   */
  decide(decision: Decision, authorize: (review: StoredReview) => void): Promise<StoredReview>;
  /** Marks pending reviews past their expiry as expired; resolves with how many. */
  expireOverdue(): Promise<number>;
  /** How long after hold_until a pending review may still be decided. */
  readonly pendingTtlMs: number;
}

/** Settings of the review store. */
export interface ReviewStoreOptions {
  /** How long after hold_until a pending review may still be decided (then: expired). */
  pendingTtlMs: number;
}

/** How long a grant lasts when the policy names none. */
export const DEFAULT_GRANT_MS = 10 * 60_000;
const HEX_SHA256 = /^[0-9a-f]{64}$/;
// No agent holds a request longer than a policy's longest wait (5 min); a later hold_until (a wrong
// clock) is cut here, so a review's expiry does not drift with the agent's clock.
const MAX_HOLD_MS = 6 * 60_000;

function check(request: ReviewRequest): void {
  if (!request.id || request.id.length > 128) throw new ReviewRefusedError("review id missing or longer than 128 characters");
  if (!request.identity?.subject || !request.identity.issuer) throw new ReviewRefusedError("review request without a requester");
  if (!HEX_SHA256.test(request.contentHash)) throw new ReviewRefusedError("content_hash is not a SHA-256 hex digest");
  if (!request.holdUntil) throw new ReviewRefusedError("review request without hold_until");
  if (!request.policy || !request.connection) throw new ReviewRefusedError("review request without policy or connection");
}

// What the audit log keeps of a decision: who asked, who decided, what; never the prompt.
function auditPayload(review: StoredReview): Record<string, unknown> {
  return {
    action: review.state === "approved" ? "approve" : "deny",
    review: review.id,
    session: review.session,
    policy: review.policy,
    connection: review.connection,
    requester: { subject: review.requester.subject, issuer: review.requester.issuer },
    contentHash: review.contentHash,
    reason: review.reason,
    grantExpireTime: review.grantExpireTime?.toISOString() ?? null,
  };
}

async function selectOne(em: EntityManager, ttl: number, id: string, lock = false): Promise<StoredReview | undefined> {
  const rows = await em.execute<ReviewRow[]>(`select ${REVIEW_SELECT} from review where id = ?${lock ? " for update" : ""}`, [ttl, ttl, id]);
  return rows[0] ? reviewFromRow(rows[0]) : undefined;
}

/** The review store over `db`. */
export function createReviewStore(db: Database, options: ReviewStoreOptions): ReviewStore {
  const ttl = options.pendingTtlMs;
  return {
    pendingTtlMs: ttl,
    async create(agent, request, instance = "") {
      check(request);
      const identity = request.identity!;
      return db.transaction(async (tx) => {
        const row = await tx.findOne(PolicyRow, { name: request.policy });
        if (!row) throw new ReviewRefusedError(`policy ${request.policy} does not exist (any more)`);
        const policy = policyFromRow(row);
        const grantMs = policy.grant ? durationMs(policy.grant) : DEFAULT_GRANT_MS;
        const holdUntil = new Date(Number(request.holdUntil!.seconds) * 1000 + Math.floor(request.holdUntil!.nanos / 1e6));
        const inserted = await tx.execute<{ id: string }[]>(
          `insert into review (id, session, policy, connection, subject, issuer, email, groups, model,
             content_hash, prompt, approvers, grant_ms, hold_until, agent, agent_instance)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, least(?::timestamptz, now() + (? * interval '1 millisecond')), ?, ?)
           on conflict (id) do nothing returning id`,
          [request.id, request.session, request.policy, request.connection, identity.subject, identity.issuer,
            identity.email, JSON.stringify(identity.groups), request.model, request.contentHash, request.prompt,
            JSON.stringify(policy.approvers), grantMs, holdUntil.toISOString(), MAX_HOLD_MS, agent, instance],
        );
        const review = (await selectOne(tx, ttl, request.id))!;
        const same = review.requester.subject === identity.subject && review.requester.issuer === identity.issuer
          && review.contentHash === request.contentHash && review.policy === request.policy;
        if (!same) throw new ReviewRefusedError(`review id ${request.id} is already used by another request`);
        return { review, created: inserted.length > 0, webhook: policy.webhook };
      });
    },
    get: (id) => selectOne(db.em(), ttl, id),
    async list(query) {
      const where: string[] = [];
      const params: unknown[] = [ttl, ttl];
      if (query.state) {
        where.push(`(case when state = 'pending' and hold_until + (? * interval '1 millisecond') <= now() then 'expired' else state end) = ?`);
        params.push(ttl, query.state);
      }
      if (query.after) {
        where.push("(created_at, id) < (?::timestamptz, ?)");
        params.push(query.after.createdKey, query.after.id);
      }
      params.push(query.limit);
      const rows = await db.em().execute<ReviewRow[]>(
        `select ${REVIEW_SELECT} from review ${where.length ? `where ${where.join(" and ")}` : ""}
         order by created_at desc, id desc limit ?`,
        params,
      );
      return { reviews: rows.map(reviewFromRow), keys: rows.map((row) => row.created_key) };
    },
    async decide(decision, authorize) {
      return db.transaction(async (tx) => {
        // Locked: two deciders (on any replicas) are serialised, and the second sees the first's outcome.
        const review = await selectOne(tx, ttl, decision.id, true);
        if (!review) throw new ReviewDecisionError(`review ${decision.id} not found`, "not-found");
        authorize(review);
        if (review.state === "expired") throw new ReviewDecisionError(`review ${review.id} expired at ${review.expireAt.toISOString()} undecided`, "expired");
        if (review.state !== "pending") {
          throw new ReviewDecisionError(`review ${review.id} is already ${review.state} (by ${review.decidedBy})`, "decided");
        }
        await tx.execute(
          `update review set state = ?, decided_by = ?, decided_at = now(), reason = ?,
             grant_expire_time = case when ? then now() + grant_ms * interval '1 millisecond' end
           where id = ?`,
          [decision.approved ? "approved" : "denied", decision.decidedBy, decision.reason, decision.approved, decision.id],
        );
        await recordChange(tx, { kind: "review", name: decision.id, action: "update", actor: decision.decidedBy });
        const decided = (await selectOne(tx, ttl, decision.id))!;
        await appendAuditEvents(tx, [{ type: "review", subject: decided.decidedBy, payload: auditPayload(decided) }]);
        return decided;
      });
    },
    async expireOverdue() {
      return db.transaction(async (tx) => {
        const rows = await tx.execute<{ id: string }[]>(
          `update review set state = 'expired'
           where state = 'pending' and hold_until + (? * interval '1 millisecond') <= now() returning id`,
          [ttl],
        );
        // One change per sweep: replicas and the admin API see the same states; agents re-read nothing new.
        if (rows.length > 0) await recordChange(tx, { kind: "review", name: `expired:${rows.length}`, action: "update", actor: "control-plane" });
        return rows.length;
      });
    },
  };
}

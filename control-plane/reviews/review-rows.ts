// How a `review` row reads back: one shape for the admin API, the snapshot and the webhook.
// Times are compared and computed in PostgreSQL (now()), so every replica agrees on them.

/** The life of a review: pending until decided, or expired when nobody decided in time. */
export type ReviewState = "pending" | "approved" | "denied" | "expired";

/** Every state, in the order the CLI and the API list them. */
export const REVIEW_STATES: readonly ReviewState[] = ["pending", "approved", "denied", "expired"];

/** A review as stored. */
export interface StoredReview {
  id: string;
  session: string;
  policy: string;
  connection: string;
  requester: { subject: string; issuer: string; email: string; groups: string[] };
  model: string;
  contentHash: string;
  /** The prompt as the agent sent it (masked by the agent as the mask policies say). */
  prompt: string;
  /** Groups whose members may decide (copied from the policy at creation); admins always may. */
  approvers: string[];
  /** How long an approval lets the same request through. */
  grantMs: number;
  /** The state now: a pending review past its expiry reads as expired even before the sweep. */
  state: ReviewState;
  holdUntil: Date;
  createdAt: Date;
  /** When a still-pending review expires (hold_until plus the pending time-to-live). */
  expireAt: Date;
  decidedBy: string;
  decidedAt: Date | undefined;
  reason: string;
  grantExpireTime: Date | undefined;
  agent: string;
  /** The agent's instance that holds the request ("" for older agents). */
  agentInstance: string;
}

/** The select list `reviewFromRow` reads; `$ttl` is the pending time-to-live in ms (a bound parameter). */
export const REVIEW_SELECT = `id, session, policy, connection, subject, issuer, email, groups, model,
  content_hash, prompt, approvers, grant_ms, hold_until, created_at, decided_by, decided_at, reason,
  grant_expire_time, agent, agent_instance, created_at::text as created_key,
  hold_until + (? * interval '1 millisecond') as expire_at,
  case when state = 'pending' and hold_until + (? * interval '1 millisecond') <= now() then 'expired' else state end as state`;

/** A row as REVIEW_SELECT returns it (drivers differ on jsonb text vs parsed, bigint number vs string). */
export interface ReviewRow {
  id: string; session: string; policy: string; connection: string; subject: string; issuer: string;
  email: string; groups: string[] | string; model: string; content_hash: string; prompt: string;
  approvers: string[] | string; grant_ms: string | number; hold_until: Date | string;
  created_at: Date | string; decided_by: string; decided_at: Date | string | null; reason: string;
  grant_expire_time: Date | string | null; agent: string; agent_instance: string; created_key: string;
  expire_at: Date | string; state: ReviewState;
}

function list(value: string[] | string): string[] {
  return typeof value === "string" ? (JSON.parse(value) as string[]) : value;
}

function date(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}

/** The review a row describes. */
export function reviewFromRow(row: ReviewRow): StoredReview {
  return {
    id: row.id,
    session: row.session,
    policy: row.policy,
    connection: row.connection,
    requester: { subject: row.subject, issuer: row.issuer, email: row.email, groups: list(row.groups) },
    model: row.model,
    contentHash: row.content_hash,
    prompt: row.prompt,
    approvers: list(row.approvers),
    grantMs: Number(row.grant_ms),
    state: row.state,
    holdUntil: date(row.hold_until),
    createdAt: date(row.created_at),
    expireAt: date(row.expire_at),
    decidedBy: row.decided_by,
    decidedAt: row.decided_at === null ? undefined : date(row.decided_at),
    reason: row.reason,
    grantExpireTime: row.grant_expire_time === null ? undefined : date(row.grant_expire_time),
    agent: row.agent,
    agentInstance: row.agent_instance,
  };
}

// Holding one request for review. A live grant lets it through at once; otherwise a ReviewRequest
// goes to the control plane and the request waits, watching the snapshots, until the decision
// arrives or `wait` runs out. Everything that is not an approval refuses (fail closed): a denial
// with the reviewer's reason, and no decision in time, no acknowledgement, no control stream or an
// agent shutting down with "not decided in time; retry after approval".
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { randomUUID } from "node:crypto";
import { ReviewRequestSchema, type ReviewRequest } from "../../gen/palisade/agent/v1/agent_pb.js";
import type { CallerIdentity } from "../../core/identity/verifier.js";
import type { Refusal } from "../providers/index.js";
import { type ReviewSubmission, sleep } from "../stream/stream-client.js";
import { contentHash, type HeldRequest } from "./content-hash.js";
import type { ReviewBook } from "./review-book.js";

/** How the agent talks to the control plane about reviews. */
export interface ReviewChannel {
  /** Sends the request and waits up to `timeoutMs` for its ack. */
  request(request: ReviewRequest, timeoutMs: number): Promise<ReviewSubmission>;
  /** Aborted when the agent shuts down: held requests are refused at once. */
  readonly closing: AbortSignal;
}

/** One request to hold. */
export interface HoldInput {
  session: string;
  policy: string;
  waitMs: number;
  identity: CallerIdentity;
  request: HeldRequest;
  model: string;
  /** The prompt text as approvers may see it (already masked). */
  prompt: string;
  /** The decisions of the snapshot in force now (read again while waiting: decisions come in newer snapshots). */
  book(): ReviewBook | undefined;
  /** Absent: reviews cannot be requested (refused). */
  channel: ReviewChannel | undefined;
  now?: () => number;
  /** How often the snapshot is looked at while waiting; default 50 ms. */
  pollMs?: number;
}

/** How a hold ended: go on (approved now or by a grant), or refuse. */
export type HoldOutcome =
  | { ok: true; reviewId: string; granted: boolean }
  | { ok: false; reviewId: string; refusal: Refusal; reason: string };

// Longest wait for the control plane to store the review (within the hold).
const ACK_TIMEOUT_MS = 10_000;

function refused(reviewId: string, session: string, message: string, reason: string): HoldOutcome {
  return { ok: false, reviewId, refusal: { status: 403, kind: "forbidden", message: `${message} (session ${session})` }, reason };
}

function undecided(reviewId: string, session: string, why: string): HoldOutcome {
  return refused(reviewId, session, `Request held for review ${reviewId}: not decided in time; retry after approval`, `review ${reviewId} not decided: ${why}`);
}

/** Holds the request until it may go on or must be refused; never throws. */
export async function holdRequest(input: HoldInput): Promise<HoldOutcome> {
  const now = input.now ?? Date.now;
  const hash = contentHash(input.request);
  const { subject, issuer } = input.identity;
  const grant = input.book()?.grant({ subject, issuer, policy: input.policy, contentHash: hash }, now());
  if (grant) return { ok: true, reviewId: grant.id, granted: true };

  const reviewId = randomUUID();
  const channel = input.channel;
  if (!channel) return undecided(reviewId, input.session, "this agent cannot request reviews");
  if (channel.closing.aborted) return undecided(reviewId, input.session, "agent shutting down");
  // What the control plane is told is wall-clock time; how long the request is held is measured on
  // the monotonic clock, so a wall clock stepped back during the hold does not hold it the step longer.
  const holdUntil = now() + input.waitMs;
  const deadline = performance.now() + input.waitMs;
  const request = create(ReviewRequestSchema, {
    id: reviewId,
    session: input.session,
    policy: input.policy,
    connection: input.request.connection,
    identity: { subject, issuer, email: input.identity.email, groups: input.identity.groups },
    model: input.model,
    contentHash: hash,
    prompt: input.prompt,
    holdUntil: timestampFromMs(holdUntil),
  });
  const submission = await channel.request(request, Math.max(1, Math.min(input.waitMs, ACK_TIMEOUT_MS)));
  if (submission.outcome === "unanswered") return undecided(reviewId, input.session, `not acknowledged: ${submission.error}`);
  if (submission.outcome === "refused") {
    const message = `Request held for review ${reviewId}: the review could not be submitted; retry later`;
    return refused(reviewId, input.session, message, `review ${reviewId} refused by the control plane: ${submission.error}`);
  }

  const pollMs = input.pollMs ?? 50;
  for (;;) {
    const decision = input.book()?.decision(reviewId);
    if (decision?.approved) return { ok: true, reviewId, granted: false };
    if (decision) {
      const why = decision.reason ? `: ${decision.reason}` : "";
      return refused(reviewId, input.session, `Request denied on review ${reviewId}${why}`, `review ${reviewId} denied by ${decision.decidedBy}${why}`);
    }
    if (channel.closing.aborted) return undecided(reviewId, input.session, "agent shutting down");
    const left = deadline - performance.now();
    if (left <= 0) return undecided(reviewId, input.session, `no decision within ${input.waitMs} ms`);
    await sleep(Math.min(pollMs, left), channel.closing);
  }
}

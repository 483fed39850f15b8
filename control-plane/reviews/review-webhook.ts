// Tells a policy's webhook that a review waits: one JSON POST per new review, best effort. It never
// holds up the agent stream: a slow or failing receiver is cut at the timeout and logged, not retried.
import type { Logger } from "pino";
import type { StoredReview } from "./review-rows.js";

/** How much of the (already masked) prompt the payload carries. */
export const PROMPT_EXCERPT_CHARS = 500;
const DEFAULT_TIMEOUT_MS = 5_000;

/** The JSON a webhook receives (docs/reviews.md). */
export function reviewWebhookPayload(review: StoredReview, controlPlaneUrl: string) {
  return {
    type: "review.created",
    review: {
      id: review.id,
      policy: review.policy,
      connection: review.connection,
      model: review.model,
      session: review.session,
      agent: review.agent,
      agentInstance: review.agentInstance,
      requester: review.requester,
      approvers: review.approvers,
      promptExcerpt: review.prompt.slice(0, PROMPT_EXCERPT_CHARS),
      promptTruncated: review.prompt.length > PROMPT_EXCERPT_CHARS,
      createTime: review.createdAt.toISOString(),
      holdUntil: review.holdUntil.toISOString(),
      expireTime: review.expireAt.toISOString(),
    },
    decide: {
      approve: `palisade review approve ${review.id} --server ${controlPlaneUrl}`,
      deny: `palisade review deny ${review.id} --reason "..." --server ${controlPlaneUrl}`,
      show: `palisade review show ${review.id} --server ${controlPlaneUrl}`,
      api: `${controlPlaneUrl}/palisade.admin.v1.ReviewService/ApproveReview`,
    },
  };
}

/** Sends webhook notifications. */
export interface ReviewNotifier {
  /** Starts the POST and returns at once; the promise (for tests) settles when it is done or failed. */
  notify(url: string, review: StoredReview): Promise<void>;
}

/** A notifier posting with `fetch`, cut after `timeoutMs`. */
export function createReviewNotifier(deps: { logger: Logger; controlPlaneUrl: () => string; timeoutMs?: number }): ReviewNotifier {
  return {
    async notify(url, review) {
      const log = deps.logger.child({ review: review.id, policy: review.policy });
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", "user-agent": "palisade-control-plane" },
          body: JSON.stringify(reviewWebhookPayload(review, deps.controlPlaneUrl())),
          redirect: "error",
          signal: AbortSignal.timeout(deps.timeoutMs ?? DEFAULT_TIMEOUT_MS),
        });
        await response.body?.cancel();
        if (!response.ok) log.warn({ status: response.status }, "review webhook answered with an error status");
        else log.debug("review webhook notified");
      } catch (err) {
        log.warn({ err: err instanceof Error ? err.message : String(err) }, "review webhook failed");
      }
    },
  };
}

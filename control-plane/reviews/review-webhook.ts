// Tells a policy's webhook that a review waits: one JSON POST per new review, best effort. It never
// holds up the agent stream; the shared webhook client cuts a slow receiver at its timeout and
// retries with backoff (NOTIFICATION_WEBHOOKS in webhooks/webhook-client.ts); a post that still fails is logged.
import type { Logger } from "pino";
import { type WebhookClient, WebhookError } from "../webhooks/webhook-client.js";
import type { StoredReview } from "./review-rows.js";

/** How much of the (already masked) prompt the payload carries. */
export const PROMPT_EXCERPT_CHARS = 500;

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
      // The review's page in the web console (docs/console.md).
      console: `${controlPlaneUrl}/console/reviews/${encodeURIComponent(review.id)}`,
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

/** A notifier posting through `client` (which owns timeouts and retries); never throws. */
export function createReviewNotifier(deps: { logger: Logger; controlPlaneUrl: () => string; client: WebhookClient }): ReviewNotifier {
  return {
    async notify(url, review) {
      const log = deps.logger.child({ review: review.id, policy: review.policy });
      try {
        const { attempts } = await deps.client.post({
          url,
          body: JSON.stringify(reviewWebhookPayload(review, deps.controlPlaneUrl())),
          // The same on every attempt: a receiver that got it twice can tell.
          headers: { "x-palisade-delivery": `review:${review.id}` },
        });
        log.debug({ attempts }, "review webhook notified");
      } catch (err) {
        log.warn({ err: err instanceof Error ? err.message : String(err), attempts: err instanceof WebhookError ? err.attempts : undefined }, "review webhook failed");
      }
    },
  };
}

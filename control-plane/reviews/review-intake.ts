// The agent stream's side of reviews: store each ReviewRequest once, answer with what goes into the
// ReviewAck, and announce new reviews to the policy's webhook without waiting for it.
import type { Logger } from "pino";
import type { ReviewRequest } from "../../gen/palisade/agent/v1/agent_pb.js";
import type { ReviewSink } from "../stream/ports.js";
import type { ReviewNotifier } from "./review-webhook.js";
import { ReviewRefusedError, type ReviewStore } from "./review-store.js";

/** The ReviewSink over the store and the webhook notifier. */
export function createReviewIntake(deps: { store: ReviewStore; notifier: ReviewNotifier; logger: Logger }): ReviewSink {
  return {
    async request(agent, request: ReviewRequest, instance) {
      try {
        const { review, created, webhook } = await deps.store.create(agent, request, instance);
        if (created) deps.logger.info({ review: review.id, policy: review.policy, agent, instance, subject: review.requester.subject }, "review requested");
        if (created && webhook) void deps.notifier.notify(webhook, review);
        return "";
      } catch (err) {
        if (err instanceof ReviewRefusedError) return err.message;
        deps.logger.error({ err, review: request.id }, "could not store a review request");
        return "control plane storage unavailable";
      }
    },
  };
}

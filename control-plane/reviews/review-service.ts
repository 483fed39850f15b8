// palisade.admin.v1.ReviewService: list, show and decide reviews. The role check is the permission
// table's; who may decide which review (approver groups, never the requester) is review-access.ts,
// checked on the locked row inside the decision's transaction.
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import type { ReviewService } from "../../gen/palisade/admin/v1/review_service_pb.js";
import { invalid } from "../admin/input-checks.js";
import { adminCallerKey } from "../auth/admin-auth.js";
import { decisionRefusal } from "./review-access.js";
import { reviewMessage, stateName } from "./review-messages.js";
import { ReviewDecisionError, type ReviewStore } from "./review-store.js";

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;
const TIMESTAMP_TEXT = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?[+-]\d\d(:\d\d)?$/;

function encodeToken(createdKey: string, id: string): string {
  return Buffer.from(JSON.stringify([createdKey, id])).toString("base64url");
}

function decodeToken(token: string): { createdKey: string; id: string } {
  try {
    const [createdKey, id] = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as unknown[];
    if (typeof createdKey === "string" && TIMESTAMP_TEXT.test(createdKey) && typeof id === "string") return { createdKey, id };
  } catch {
    // fall through
  }
  throw invalid("reviews: page_token is not one this server returned");
}

const decisionCodes = { "not-found": Code.NotFound, decided: Code.FailedPrecondition, expired: Code.FailedPrecondition } as const;

/** The ReviewService over `store`. */
export function createReviewService(store: ReviewStore): ServiceImpl<typeof ReviewService> {
  async function decide(context: HandlerContext, id: string, approved: boolean, reason: string) {
    const caller = context.values.get(adminCallerKey);
    try {
      const review = await store.decide({ id, approved, reason, decidedBy: caller.actor }, (locked) => {
        const refusal = decisionRefusal(caller, locked);
        if (refusal) throw new ConnectError(refusal, Code.PermissionDenied);
      });
      return { review: reviewMessage(review) };
    } catch (err) {
      if (err instanceof ReviewDecisionError) throw new ConnectError(err.message, decisionCodes[err.reason]);
      throw err;
    }
  }

  return {
    async listReviews(request) {
      const pageSize = Math.min(request.pageSize || DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
      const page = await store.list({
        state: stateName(request.state),
        limit: pageSize + 1,
        after: request.pageToken ? decodeToken(request.pageToken) : undefined,
      });
      const shown = page.reviews.slice(0, pageSize);
      const more = page.reviews.length > pageSize;
      return {
        reviews: shown.map(reviewMessage),
        nextPageToken: more ? encodeToken(page.keys[pageSize - 1]!, shown.at(-1)!.id) : "",
      };
    },
    async getReview(request) {
      const review = request.id ? await store.get(request.id) : undefined;
      if (!review) throw new ConnectError(`review "${request.id}" not found`, Code.NotFound);
      return { review: reviewMessage(review) };
    },
    approveReview: (request, context) => decide(context, request.id, true, request.reason),
    async denyReview(request, context) {
      return decide(context, request.id, false, request.reason);
    },
  };
}

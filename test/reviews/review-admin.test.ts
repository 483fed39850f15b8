// ReviewService over a real database behind the real interceptor: who may decide which review,
// decisions recorded once with a change event that puts them into every agent's snapshot, expiry.
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ResourceService } from "../../gen/palisade/admin/v1/resource_service_pb.js";
import { ReviewService, ReviewState } from "../../gen/palisade/admin/v1/review_service_pb.js";
import { eventually } from "../support/eventually.js";
import { createReviewStore, type ReviewStore } from "../../control-plane/reviews/review-store.js";
import { SERVICE_ACCOUNT_ISSUER } from "../../control-plane/tokens/signing-keys.js";
import { ADMIN_TOKEN, type AuthHarness, startAuthHarness } from "../auth/auth-harness.js";
import { BINDINGS } from "../auth/fixtures.js";
import { reviewPolicy, reviewRequest } from "./review-fixtures.js";

async function code(call: Promise<unknown>): Promise<Code | "ok"> {
  try {
    await call;
    return "ok";
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

describe("ReviewService", () => {
  let h: AuthHarness;
  let store: ReviewStore;
  const asAdminToken = () => h.client(ReviewService, ADMIN_TOKEN);
  const as = async (subject: string, groups: string[]) => h.client(ReviewService, await h.token(subject, groups));
  const requestFrom = async (subject: string, options: { holdMs?: number; policy?: string } = {}) => {
    const request = reviewRequest({ subject, issuer: SERVICE_ACCOUNT_ISSUER, ...options });
    const created = await store.create("agent-a", request);
    expect(created.created).toBe(true);
    return request;
  };

  beforeAll(async () => {
    h = await startAuthHarness({ reviewPendingTtlMs: 1_000 });
    store = createReviewStore(h.db, { pendingTtlMs: 1_000 });
    await h.client(ResourceService, ADMIN_TOKEN).apply({ resources: [...BINDINGS, reviewPolicy("needs-review", ["finance"]), reviewPolicy("other-group", ["legal"])] });
    await h.snapshots.refresh();
  });
  afterAll(async () => { await h?.close(); });

  it("stores a request once per id and refuses the same id for another request", async () => {
    const request = reviewRequest({ subject: "rita", issuer: SERVICE_ACCOUNT_ISSUER });
    expect((await store.create("agent-a", request)).created).toBe(true);
    expect((await store.create("agent-a", request)).created).toBe(false);
    await expect(store.create("agent-a", { ...request, contentHash: "0".repeat(64) })).rejects.toThrow(/already used/);
    await expect(store.create("agent-a", { ...request, id: "other", policy: "absent" })).rejects.toThrow(/does not exist/);
    const shown = await asAdminToken().getReview({ id: request.id });
    expect(shown.review).toMatchObject({ state: ReviewState.PENDING, prompt: "please look at <EMAIL_1>", policy: "needs-review" });
    expect(shown.review?.requester?.subject).toBe("rita");
  });

  it("lets an approver of the policy's group approve, and puts the grant into every snapshot", async () => {
    const request = await requestFrom("rita", { holdMs: 60_000 });
    const versionBefore = h.snapshots.version();
    const approver = await as("fay", ["approvers", "finance"]);
    const { review } = await approver.approveReview({ id: request.id, reason: "ok" });
    expect(review).toMatchObject({ state: ReviewState.APPROVED, decidedBy: "fay", reason: "ok" });
    expect(review?.grantExpireTime).toBeDefined();
    await h.snapshots.refresh();
    expect(h.snapshots.version()).not.toBe(versionBefore);
    const decision = h.snapshots.current("any").reviews.find((entry) => entry.id === request.id);
    expect(decision).toMatchObject({ approved: true, subject: "rita", issuer: SERVICE_ACCOUNT_ISSUER, contentHash: request.contentHash, policy: "needs-review" });
    // Audited in the decision's transaction, without the prompt.
    const audited = await h.db.em().execute<{ subject: string; payload: unknown }[]>("select subject, payload from audit_log where type = 'review'");
    const entry = audited.map((row) => ({ subject: row.subject, payload: (typeof row.payload === "string" ? JSON.parse(row.payload) : row.payload) as Record<string, unknown> }))
      .find((row) => row.payload.review === request.id);
    expect(entry).toMatchObject({ subject: "fay", payload: { action: "approve", policy: "needs-review", reason: "ok" } });
    expect(JSON.stringify(entry)).not.toContain("EMAIL_1");
    // Decided once: a second decision (here the opposite one) is refused.
    expect(await code(approver.denyReview({ id: request.id, reason: "changed my mind" }))).toBe(Code.FailedPrecondition);
  });

  it("refuses approvers outside the policy's groups, viewers, and every requester deciding its own review", async () => {
    const request = await requestFrom("ada", { holdMs: 60_000 });
    expect(await code((await as("april", ["approvers"])).approveReview({ id: request.id }))).toBe(Code.PermissionDenied);
    expect(await code((await as("vic", ["viewers", "finance"])).approveReview({ id: request.id }))).toBe(Code.PermissionDenied);
    // ada is an admin and in the approver group, and still may not decide her own request.
    const own = await code((await as("ada", ["palisade-admins", "approvers", "finance"])).approveReview({ id: request.id }));
    expect(own).toBe(Code.PermissionDenied);
    expect((await store.get(request.id))?.state).toBe("pending");
    // Another admin may.
    const { review } = await (await as("root", ["palisade-admins"])).denyReview({ id: request.id, reason: "not today" });
    expect(review).toMatchObject({ state: ReviewState.DENIED, reason: "not today" });
    await h.snapshots.refresh();
    expect(h.snapshots.current("").reviews.find((entry) => entry.id === request.id)).toMatchObject({ approved: false, reason: "not today" });
  });

  it("copies the approver groups from the review's own policy; a denial needs a reason", async () => {
    const request = await requestFrom("rita", { policy: "other-group", holdMs: 60_000 });
    expect((await asAdminToken().getReview({ id: request.id })).review?.approvers).toEqual(["legal"]);
    expect(await code((await as("fay", ["approvers", "finance"])).approveReview({ id: request.id }))).toBe(Code.PermissionDenied);
    expect(await code(asAdminToken().denyReview({ id: request.id, reason: " " }))).toBe(Code.InvalidArgument);
    expect(await code(asAdminToken().approveReview({ id: "absent" }))).toBe(Code.NotFound);
    expect((await asAdminToken().approveReview({ id: request.id })).review?.state).toBe(ReviewState.APPROVED);
  });

  it("expires a pending review after hold_until plus the pending time-to-live; it can no longer be decided", async () => {
    const request = await requestFrom("rita", { holdMs: 0 });
    // The database's clock decides expiry (review-store.ts): wait for the state itself.
    await eventually("the review to expire", async () => (await asAdminToken().getReview({ id: request.id })).review?.state === ReviewState.EXPIRED);
    expect(await code(asAdminToken().approveReview({ id: request.id }))).toBe(Code.FailedPrecondition);
    expect(await store.expireOverdue()).toBeGreaterThanOrEqual(1);
    const expired = await asAdminToken().listReviews({ state: ReviewState.EXPIRED });
    expect(expired.reviews.map((review) => review.id)).toContain(request.id);
    const pending = await asAdminToken().listReviews({ state: ReviewState.PENDING });
    expect(pending.reviews.map((review) => review.id)).not.toContain(request.id);
  });

  it("pages the listing newest first", async () => {
    for (let i = 0; i < 3; i++) await requestFrom("pager", { holdMs: 60_000 });
    const all = await asAdminToken().listReviews({});
    const first = await asAdminToken().listReviews({ pageSize: 2 });
    expect(first.reviews).toHaveLength(2);
    const second = await asAdminToken().listReviews({ pageSize: 2, pageToken: first.nextPageToken });
    expect([...first.reviews, ...second.reviews].map((review) => review.id)).toEqual(all.reviews.slice(0, 4).map((review) => review.id));
    expect(await code(asAdminToken().listReviews({ pageToken: "bogus" }))).toBe(Code.InvalidArgument);
  });
});

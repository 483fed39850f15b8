// Just-in-time approval end to end: a real openai client through a real agent and control plane;
// approvers decide with the real CLI; the stand-in provider shows what was (not) forwarded.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";
import { agentCaughtUp, type ReviewBed, startReviewBed } from "./review-bed.js";

describe("reviews end to end", () => {
  let bed: ReviewBed;
  const forwarded = (text: string) => bed.stack.provider.requests.filter((request) => request.body.includes(text)).length;

  beforeAll(async () => { bed = await startReviewBed({ agentName: "review-e2e", wait: "3s" }); });
  afterAll(async () => { await bed?.close(); });

  it("holds a request until an approver of the policy's group approves it; the caller sees only the delay", async () => {
    const answer = bed.ask("my credit card is due, mail me at rita@example.com (first)");
    const id = await bed.pendingReview("(first)");
    expect(forwarded("(first)")).toBe(0);
    // The webhook heard of it, with the prompt masked as the mask policy says.
    const call = await eventually("the webhook call", async () => bed.webhook.find((entry) => entry.body.review.id === id));
    expect(call.body).toMatchObject({ type: "review.created", review: { policy: "card-review", requester: { subject: bed.subject } } });
    expect(call.body.review.promptExcerpt).toContain("credit card");
    expect(call.body.review.promptExcerpt).not.toContain("rita@example.com");
    expect(call.body.decide.approve).toContain(`palisade review approve ${id}`);
    const shown = await bed.review(["show", id, "-o", "json"]);
    // It names the agent and the instance (process) holding the request.
    expect(JSON.parse(shown.stdout)).toMatchObject({ id, state: "pending", approvers: ["finance"], agentInstance: bed.stack.agent.instance });
    expect(call.body.review.agentInstance).toBe(bed.stack.agent.instance);
    expect(shown.stdout).not.toContain("rita@example.com");

    const approver = await bed.token("fay", ["approvers", "finance"]);
    const approved = await bed.review(["approve", id, "--reason", "ticket 42"], approver);
    expect(approved.code, approved.stderr).toBe(0);
    expect(await answer).toEqual({ status: 200, message: "" });
    expect(forwarded("(first)")).toBe(1);
  });

  it("refuses with the review id when nobody decides in time; after approval the same request passes, another does not", async () => {
    const prompt = "credit card question (second)";
    const refused = await bed.ask(prompt);
    expect(refused.status).toBe(403);
    const id = /held for review ([0-9a-f-]{36}): not decided in time; retry after approval/.exec(refused.message)?.[1];
    expect(id, refused.message).toBeDefined();
    expect(forwarded("(second)")).toBe(0);
    expect((await bed.review(["approve", id!])).code).toBe(0);
    // The grant reaches the agent in a snapshot; the identical request then passes without a new review.
    await agentCaughtUp(bed.stack);
    expect(await bed.ask(prompt)).toEqual({ status: 200, message: "" });
    expect(forwarded("(second)")).toBe(1);
    const other = await bed.ask("credit card question (second, changed)");
    expect(other.status).toBe(403);
    expect(forwarded("(second, changed)")).toBe(0);
  });

  it("refuses with the reviewer's reason on a denial", async () => {
    const answer = bed.ask("credit card please (third)");
    const id = await bed.pendingReview("(third)");
    expect((await bed.review(["deny", id, "--reason", "no card data to this model"])).code).toBe(0);
    const refused = await answer;
    expect(refused.status).toBe(403);
    expect(refused.message).toContain(`denied on review ${id}: no card data to this model`);
    expect(forwarded("(third)")).toBe(0);
  });

  it("refuses deciders outside the approver groups and the requester itself", async () => {
    const answer = bed.ask("credit card (fourth)");
    const id = await bed.pendingReview("(fourth)");
    const outsider = await bed.review(["approve", id], await bed.token("april", ["approvers"]));
    expect(outsider.code).not.toBe(0);
    expect(outsider.stderr).toMatch(/permission_denied|PermissionDenied|permission denied/i);
    // The requester holds the admin role and is still refused.
    const own = await bed.review(["approve", id], bed.stack.callerToken);
    expect(own.code).not.toBe(0);
    expect(own.stderr).toMatch(/cannot decide it/);
    expect((await answer).status).toBe(403);
    expect(forwarded("(fourth)")).toBe(0);
  });
});

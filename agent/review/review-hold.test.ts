import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import type { ReviewRequest } from "../../gen/palisade/agent/v1/agent_pb.js";
import { ReviewDecisionSchema, type ReviewDecision } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { contentHash } from "./content-hash.js";
import { compileReviewBook, type ReviewBook } from "./review-book.js";
import { holdRequest, type HoldInput } from "./review-hold.js";

const held = { connection: "standin", method: "POST", path: "/v1/chat/completions", headers: [], body: Buffer.from("{}") };
const identity = { subject: "rita", issuer: "https://idp", email: "", groups: [], claims: {} };

// A control plane that stores requests (or refuses with `ackError`) and decides when told.
function bed(options: { ackError?: string } = {}) {
  const sent: ReviewRequest[] = [];
  let firstSent!: (request: ReviewRequest) => void;
  const first = new Promise<ReviewRequest>((resolve) => { firstSent = resolve; });
  let decisions: ReviewDecision[] = [];
  let book: ReviewBook = compileReviewBook([]);
  const closing = new AbortController();
  const input = (extra: Partial<HoldInput> = {}): HoldInput => ({
    session: "s1", policy: "needs-review", waitMs: 500, identity, request: held, model: "m", prompt: "p",
    book: () => book,
    channel: {
      request: async (request) => {
        sent.push(request);
        firstSent(request);
        return options.ackError ? { outcome: "refused" as const, error: options.ackError } : { outcome: "stored" as const };
      },
      closing: closing.signal,
    },
    pollMs: 5,
    ...extra,
  });
  const decide = (id: string, approved: boolean, reason = "") => {
    decisions = [...decisions, create(ReviewDecisionSchema, {
      id, approved, reason, decidedBy: "fay", subject: "rita", issuer: "https://idp", policy: "needs-review",
      contentHash: contentHash(held), grantExpireTime: approved ? timestampFromMs(Date.now() + 60_000) : undefined,
    })];
    book = compileReviewBook(decisions);
  };
  return { sent, first, input, decide, closing };
}

describe("holding a request for review", () => {
  it("goes on once approved, and the approval then grants the same request without a new review", async () => {
    const b = bed();
    const holding = holdRequest(b.input());
    const request = await b.first;
    expect(request).toMatchObject({ policy: "needs-review", connection: "standin", contentHash: contentHash(held), prompt: "p" });
    b.decide(request.id, true);
    expect(await holding).toEqual({ ok: true, reviewId: request.id, granted: false });
    expect(await holdRequest(b.input())).toEqual({ ok: true, reviewId: request.id, granted: true });
    expect(b.sent).toHaveLength(1);
    // Another identity's same request is not granted.
    const other = await holdRequest(b.input({ identity: { ...identity, subject: "sam" }, waitMs: 20 }));
    expect(other.ok).toBe(false);
  });

  it("refuses with the reviewer's reason on a denial", async () => {
    const b = bed();
    const holding = holdRequest(b.input());
    b.decide((await b.first).id, false, "not for this customer");
    const outcome = await holding;
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.refusal).toMatchObject({ status: 403, message: expect.stringContaining("not for this customer") });
  });

  it("refuses, naming the review, when nobody decides in time", async () => {
    const b = bed();
    const outcome = await holdRequest(b.input({ waitMs: 30 }));
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.refusal.message).toMatch(new RegExp(`held for review ${outcome.reviewId}: not decided in time; retry after approval`));
  });

  it("ends the hold after its wait even when the wall clock is stepped back an hour during it", async () => {
    const b = bed();
    let step = 0;
    const holding = holdRequest(b.input({ waitMs: 50, now: () => Date.now() - step }));
    await b.first;
    step = 3_600_000; // NTP steps back a clock that ran fast: the hold must not last the hour too
    let bound: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([holding, new Promise<"still held">((resolve) => { bound = setTimeout(resolve, 5_000, "still held"); })]);
    clearTimeout(bound);
    expect(outcome).not.toBe("still held");
    expect(outcome !== "still held" && (outcome.ok || outcome.reason)).toMatch(/no decision within 50 ms/);
  });

  it("refuses when the review is not stored, when there is no channel, and at once when the agent shuts down", async () => {
    const notStored = await holdRequest(bed({ ackError: "policy absent does not exist" }).input());
    expect(notStored.ok || notStored.reason).toMatch(/refused by the control plane: policy absent does not exist/);
    const unanswered = await holdRequest({ ...bed().input(), channel: { request: async () => ({ outcome: "unanswered", error: "no ack" }), closing: new AbortController().signal } });
    expect(unanswered.ok || unanswered.refusal.message).toMatch(/not decided in time; retry after approval/);
    const noChannel = await holdRequest({ ...bed().input(), channel: undefined });
    expect(noChannel.ok).toBe(false);
    const b = bed();
    const started = Date.now();
    const holding = holdRequest(b.input({ waitMs: 10_000 }));
    await b.first;
    b.closing.abort();
    const outcome = await holding;
    expect(outcome.ok || outcome.reason).toMatch(/agent shutting down/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

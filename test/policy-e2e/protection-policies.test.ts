// Mask and review policies through a real agent with the real `openai` client: a mask policy does
// not decide (alone it allows nothing; with an allow policy the request goes through), a mask
// policy naming a detector this agent does not have (a newer control plane's) denies where it
// applies while the rest of the snapshot serves, and a review policy holds the request — with no decision (this
// control plane never acknowledges the review), that is a 403 in OpenAI's format naming the review,
// and nothing reaches the provider (test/reviews covers decisions).
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { PolicyAction } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { startPolicyBed, type PolicyBed } from "./policy-bed.js";

let bed: PolicyBed;
beforeAll(async () => {
  bed = await startPolicyBed();
});
afterAll(() => bed?.close());

async function chat(content: string) {
  const client = await bed.openai(await bed.issuer.token("alice", { groups: ["eng"], email: "a@example.test" }));
  return client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content }] }).withResponse().then(
    ({ response }) => ({ ok: true as const, session: response.headers.get("x-palisade-session") ?? "" }),
    (error: unknown) => {
      if (!(error instanceof OpenAI.APIError)) throw error;
      return { ok: false as const, error, session: error.headers?.get("x-palisade-session") ?? "" };
    },
  );
}

const maskEmail = { name: "mask-email", priority: 50, action: PolicyAction.MASK, detectors: ["email"] };

describe("mask and review policies in the agent", () => {
  it("does not let a mask policy decide: alone it allows nothing, with an allow policy the request goes on", async () => {
    await bed.use([maskEmail]);
    const alone = await chat("hello");
    expect(alone.ok).toBe(false);
    expect(await bed.recorded(alone.session)).toMatchObject({ verdict: Verdict.DENIED, reason: "no policy allows this request" });

    await bed.use([maskEmail, { name: "allow-all" }]);
    const allowed = await chat("hello");
    expect(allowed.ok).toBe(true);
    expect(await bed.recorded(allowed.session)).toMatchObject({ verdict: Verdict.ALLOWED, policy: "allow-all" });
  });

  it("denies where a mask policy naming a detector this agent does not have applies, and serves the rest", async () => {
    const ack = await bed.push([{ ...maskEmail, detectors: ["dna"], when: 'request.model == "gpt-test"' }, { name: "allow-all" }]);
    expect(ack.error).toBe("");
    const refused = await chat("mask my dna");
    expect(refused.ok).toBe(false);
    expect(await bed.recorded(refused.session)).toMatchObject({ verdict: Verdict.DENIED, policy: "mask-email", reason: expect.stringContaining("detector dna") });
    const client = await bed.openai(await bed.issuer.token("alice", { groups: ["eng"] }));
    await expect(client.chat.completions.create({ model: "gpt-other", messages: [{ role: "user", content: "still served" }] })).resolves.toBeDefined();
  });

  it("refuses a request a review policy holds (403, fail closed) without forwarding it", async () => {
    await bed.use([
      { name: "card-review", priority: 90, action: PolicyAction.REVIEW, keywords: ["credit card"], approvers: ["security"], wait: { seconds: 1n } },
      { name: "allow-all" },
    ]);
    const before = bed.provider.requests.length;
    const held = await chat("my credit card was charged twice");
    expect(held.ok).toBe(false);
    if (held.ok) return;
    expect(held.error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(held.error.message).toMatch(/held for review [0-9a-f-]{36}: not decided in time; retry after approval/);
    expect(held.error.message).toContain(held.session);
    expect(bed.provider.requests.length).toBe(before);
    expect(await bed.recorded(held.session)).toMatchObject({
      verdict: Verdict.REVIEWED, status: 403, policy: "card-review", reviewId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      reason: expect.stringMatching(/^review [0-9a-f-]{36} not decided: not acknowledged/),
    });
    expect((await chat("an ordinary question")).ok).toBe(true);
  });
});

// The agent stopped (close(), what SIGTERM runs) while a request is held for review: the hold ends
// at once, the caller gets the policy's refusal in the provider's format rather than a cut or a
// wait for the drain timeout, the record reaches the control plane before the agent is gone, and
// nothing is forwarded, even when the review is approved afterwards.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";
import { agentCaughtUp, controlPlaneVersion } from "../support/metrics.js";
import { palisade, startStack, type Stack } from "../support/stack.js";
import { chatOnce, clearError, settledSessions } from "./fault-bed.js";

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ agentName: "closing-hold" });
  const before = await controlPlaneVersion(stack.controlPlane.url);
  await palisade(stack.env, ["apply", "-f", "-"], `kind: Policy
name: hold-all
priority: 1000
connections: [standin]
match: { keywords: ["hold me"] }
action: review
approvers: [security]
wait: 1m
`);
  await eventually("the agent to hold the policy", async () => (await controlPlaneVersion(stack.controlPlane.url)) > before && (await agentCaughtUp(stack.agent.url, stack.controlPlane.url)));
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

describe("the agent stopped while a request is held for review", () => {
  it("refuses the held request at once in the provider's format, forwards nothing (even once approved), and records it once", { timeout: 60_000 }, async () => {
    const before = stack.provider.requests.length;
    const outcome = chatOnce(stack.baseURL, stack.callerToken, "hold me");
    const held = await eventually("the review to be pending", async () => {
      const listed = JSON.parse(await palisade(stack.env, ["review", "list", "-o", "json"])) as { id: string; session: string; policy: string; state: string }[];
      return listed.find((review) => review.policy === "hold-all" && review.state === "pending");
    });
    const closed = stack.agent.close(); // what SIGTERM does
    const answered = await outcome;
    await closed;
    // Not left waiting out the minute's hold, and not a bare connection cut: the policy's refusal.
    expect(answered.status).toBe(403);
    expect(clearError(answered)).toBe(true);
    expect(answered.session).toBe(held.session);
    expect(answered.body).toMatchObject({ error: { code: "policy_denied", message: expect.stringMatching(/held for review .*retry after approval/) } });
    // The record was flushed before the agent finished closing.
    const counts = await settledSessions(stack.env, [held.session], 20_000);
    expect(counts.get(held.session)).toBe(1);
    const record = JSON.parse(await palisade(stack.env, ["audit", "show", held.session, "-o", "json"])) as { response: { status: number; verdict: string; reason: string } };
    expect(record.response).toMatchObject({ status: 403, verdict: "reviewed", reason: expect.stringMatching(/not decided: agent shutting down/) });
    await palisade(stack.env, ["review", "approve", held.id]);
    expect(stack.provider.requests.length).toBe(before);
  });
});

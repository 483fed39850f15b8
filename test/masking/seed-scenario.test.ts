// The seed's scenario as one test, through a real stack with the real `openai` client: prompts
// mentioning "credit card" or "social security" need an approver's approval (held, approved with
// the CLI, then answered), and email addresses are redacted from responses, streamed one character
// per delta, whether or not the request was held.
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentCaughtUp, type ReviewBed, startReviewBed } from "../reviews/review-bed.js";
import { palisade } from "../support/stack.js";

const EMAIL = "dana.lee@example.com";

describe("the seed scenario", () => {
  let bed: ReviewBed;
  beforeAll(async () => {
    bed = await startReviewBed({ agentName: "seed-scenario", wait: "30s" });
    // The bed's card-review (credit card, group finance) plus the seed's second phrase and its
    // response redaction.
    await palisade(bed.stack.env, ["apply", "-f", "-"], `kind: Policy
name: ssn-review
priority: 100
connections: ["*"]
match: { keywords: ["social security"] }
action: review
approvers: [finance]
---
kind: Policy
name: redact-reply-emails
priority: 150
connections: ["*"]
action: mask
detectors: [email]
direction: response
`);
    await agentCaughtUp(bed.stack);
  }, 60_000);
  afterAll(async () => { await bed?.close(); });

  /** A streamed completion whose reply (one character per delta) mentions EMAIL; resolves with the text the client got. */
  async function streamed(prompt: string): Promise<string> {
    const client = new OpenAI({
      baseURL: bed.stack.baseURL, apiKey: bed.stack.callerToken, maxRetries: 0, timeout: 60_000,
      defaultHeaders: { "x-stand-in-chunks": "char", "x-stand-in-reply": encodeURIComponent(`Sure. Write to ${EMAIL} for ${prompt}`) },
    });
    const stream = await client.chat.completions.create({ model: "gpt-test", stream: true, messages: [{ role: "user", content: prompt }] });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    return text;
  }

  it("holds card and SSN prompts for approval and redacts emails from every reply", async () => {
    const approver = await bed.token("fay", ["approvers", "finance"]);
    for (const [phrase, policy] of [["credit card", "card-review"], ["social security", "ssn-review"]]) {
      const prompt = `my ${phrase} question (${policy})`;
      const answer = streamed(prompt);
      const id = await bed.pendingReview(`(${policy})`);
      expect(bed.stack.provider.requests.some((request) => request.body.includes(`(${policy})`))).toBe(false);
      const shown = JSON.parse((await bed.review(["show", id, "-o", "json"])).stdout);
      expect(shown).toMatchObject({ policy, state: "pending" });
      const approved = await bed.review(["approve", id], approver);
      expect(approved.code, approved.stderr).toBe(0);
      expect(await answer).toBe(`Sure. Write to [EMAIL] for ${prompt}`);
    }
    // Not held, still redacted.
    expect(await streamed("an ordinary question")).toBe("Sure. Write to [EMAIL] for an ordinary question");
  });
});

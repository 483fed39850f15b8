// Policies end to end: applied with the CLI, pushed to a real agent, enforced on the real `openai`
// client (403 PermissionDeniedError naming the policy, 429 RateLimitError with Retry-After), and
// recorded with the deciding policy and verdict that `palisade audit` shows.
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";
import { palisade, startStack, type Stack } from "../support/stack.js";

let stack: Stack;
let client: OpenAI;

beforeAll(async () => {
  stack = await startStack({ agentName: "policy-e2e", subject: "carol@example.com" });
  client = new OpenAI({ baseURL: stack.baseURL, apiKey: stack.callerToken, maxRetries: 0 });
});
afterAll(async () => { await stack?.close(); });

async function chat(model: string): Promise<unknown> {
  return client.chat.completions.create({ model, messages: [{ role: "user", content: "Hello" }] }).then(() => "ok", (error: unknown) => error);
}

async function auditShow(session: string): Promise<{ response: { verdict: string; policy?: string; status: number } }> {
  return eventually(`session ${session} to be recorded`, async () => {
    const run = await palisade(stack.env, ["audit", "list", "-o", "json"]);
    const found = (JSON.parse(run) as { id: string }[]).some((s) => s.id === session);
    return found ? JSON.parse(await palisade(stack.env, ["audit", "show", session, "-o", "json"])) : undefined;
  });
}

describe("policies applied with the CLI", () => {
  it("deny a model by policy, naming it to the caller and in the audit log", async () => {
    await palisade(stack.env, ["apply", "-f", "-"], `kind: Policy
name: no-gpt4
priority: 100
connections: [standin]
when: request.model.startsWith("gpt-4")
action: deny
reason: GPT-4 is not for this team
`);
    const refused = await eventually("the agent to apply no-gpt4", async () => {
      const result = await chat("gpt-4o");
      return result instanceof OpenAI.PermissionDeniedError ? result : undefined;
    });
    expect(refused.status).toBe(403);
    expect(refused.message).toContain("Request denied by Palisade policy no-gpt4: GPT-4 is not for this team");
    expect(await chat("small-model")).toBe("ok"); // other models: still allowed by the stack's allow-all
    const session = refused.headers.get("x-palisade-session")!;
    const shown = await auditShow(session);
    expect(shown.response).toMatchObject({ status: 403, verdict: "denied", policy: "no-gpt4" });
  });

  it("limit requests per identity with 429 and Retry-After, recorded as limited", async () => {
    await palisade(stack.env, ["apply", "-f", "-"], `kind: Policy
name: tiny-budget
priority: 50
connections: ["*"]
limits: { requestsPerMinute: 1 }
`);
    const limited = await eventually("the agent to apply tiny-budget", async () => {
      const result = await chat("small-model");
      return result instanceof OpenAI.RateLimitError ? result : undefined;
    });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    const session = limited.headers.get("x-palisade-session")!;
    expect((await auditShow(session)).response).toMatchObject({ status: 429, verdict: "limited", policy: "tiny-budget" });
    const table = await palisade(stack.env, ["audit", "list"]);
    expect(table).toMatch(new RegExp(`${session}.* 429 +limited`));
  });
});

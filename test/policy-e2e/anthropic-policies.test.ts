// Policy refusals with the real Anthropic client (`@anthropic-ai/sdk`) through a real agent: the
// body is Anthropic's error shape, so the SDK raises PermissionDeniedError (403) and
// RateLimitError (429, Retry-After), and content rules read the Messages API's system and tools.
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { PolicyAction } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { startPolicyBed, type PolicyBed } from "./policy-bed.js";

let bed: PolicyBed;
beforeAll(async () => {
  bed = await startPolicyBed();
});
afterAll(() => bed?.close());

async function message(params: Partial<Anthropic.MessageCreateParamsNonStreaming>, subject = "alice") {
  const client = await bed.anthropic(await bed.issuer.token(subject));
  return client.messages
    .create({ model: "claude-test", max_tokens: 64, messages: [{ role: "user", content: "hello" }], ...params })
    .then(
      (reply) => ({ ok: true as const, reply }),
      (error: unknown) => {
        if (!(error instanceof Anthropic.APIError)) throw error;
        return { ok: false as const, error, session: error.headers?.get("x-palisade-session") ?? "" };
      },
    );
}

describe("policies through the anthropic client", () => {
  it("allows, then refuses a keyword in the system prompt with PermissionDeniedError", async () => {
    await bed.use([
      { name: "no-card-numbers", priority: 10, connections: ["claude"], keywords: ["credit card number"], action: PolicyAction.DENY, reason: "No card data" },
      { name: "allow-all", priority: 0 },
    ]);
    expect((await message({})).ok).toBe(true);
    const result = await message({ system: "Ask for the Credit Card Number politely" });
    if (result.ok) throw new Error("expected a refusal");
    expect(result.error).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect(result.error.status).toBe(403);
    expect(result.error.error).toMatchObject({ type: "error", error: { type: "permission_error" } });
    expect(result.error.message).toContain("no-card-numbers");
    expect(result.error.message).toContain(result.session);
    expect(result.error.message.toLowerCase()).not.toContain("credit card number");
    expect(await bed.recorded(result.session)).toMatchObject({ verdict: Verdict.DENIED, policy: "no-card-numbers", connection: "claude" });
  });

  it("matches tool definitions and tool results too", async () => {
    await bed.use([
      { name: "no-passwords", priority: 10, patterns: ["passw(or)?d"], action: PolicyAction.DENY },
      { name: "allow-all", priority: 0 },
    ]);
    const tool = { name: "vault", description: "reads the admin password", input_schema: { type: "object" as const, properties: {} } };
    expect((await message({ tools: [tool] })).ok).toBe(false);
    const toolResult = await message({
      messages: [
        { role: "user", content: "look it up" },
        { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "lookup", input: {} }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "the passwd is hunter2" }] },
      ],
    });
    expect(toolResult.ok).toBe(false);
  });

  it("limits with 429 in Anthropic's shape: RateLimitError with Retry-After", async () => {
    await bed.use([{ name: "claude-budget", requestsPerMinute: 1 }]);
    expect((await message({}, "frank")).ok).toBe(true);
    const result = await message({}, "frank");
    if (result.ok) throw new Error("expected a refusal");
    expect(result.error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(result.error.error).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });
    expect(result.error.message).toContain("claude-budget");
    expect(Number(result.error.headers?.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await bed.recorded(result.session)).toMatchObject({ verdict: Verdict.LIMITED, policy: "claude-budget", status: 429 });
  });
});

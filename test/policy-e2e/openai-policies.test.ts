// Policies end to end with the real `openai` client through a real agent: allow, deny (the SDK's
// PermissionDeniedError naming the policy and the session, never the matched keyword), default
// deny, allowed groups, CEL over groups and model, a condition that fails at evaluation, and
// limits (RateLimitError with Retry-After). Every decision is checked in the recorded exchange.
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { PolicyAction } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { startPolicyBed, type PolicyBed } from "./policy-bed.js";

type APIError = InstanceType<typeof OpenAI.APIError>;

let bed: PolicyBed;
beforeAll(async () => {
  bed = await startPolicyBed();
});
afterAll(() => bed?.close());

const ask = (content: string, model = "gpt-test") => ({ model, messages: [{ role: "user" as const, content }] });

/** Sends a chat completion as `subject` in `groups`; the completion or the SDK's error. */
async function chat(content: string, options: { model?: string; subject?: string; groups?: string[] } = {}) {
  const token = await bed.issuer.token(options.subject ?? "alice", { groups: options.groups ?? ["eng"], email: "a@example.test" });
  const client = await bed.openai(token);
  return client.chat.completions.create(ask(content, options.model)).withResponse().then(
    ({ data, response }) => ({ ok: true as const, completion: data, session: response.headers.get("x-palisade-session") ?? "" }),
    (error: unknown) => {
      if (!(error instanceof OpenAI.APIError)) throw error;
      return { ok: false as const, error: error as APIError, session: error.headers?.get("x-palisade-session") ?? "" };
    },
  );
}

async function refused(content: string, options?: Parameters<typeof chat>[1]) {
  const result = await chat(content, options);
  if (result.ok) throw new Error("expected a refusal");
  return result;
}

describe("policies through the openai client", () => {
  it("allows with an allow policy and records the deciding policy", async () => {
    await bed.use([{ name: "allow-eng", when: '"eng" in identity.groups' }]);
    const result = await chat("hello there");
    expect(result.ok).toBe(true);
    expect(bed.provider.requests.at(-1)?.body).toContain("hello there");
    expect(await bed.recorded(result.session)).toMatchObject({ verdict: Verdict.ALLOWED, policy: "allow-eng", status: 200 });
  });

  it("denies by default when no policy allows (403, PermissionDeniedError)", async () => {
    await bed.use([{ name: "allow-admins", when: '"admins" in identity.groups' }]);
    const before = bed.provider.requests.length;
    const { error, session } = await refused("hello");
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(error.status).toBe(403);
    expect(error.code).toBe("policy_denied");
    expect(error.type).toBe("permission_error");
    expect(error.message).toContain("no policy allows this request");
    expect(error.message).toContain(session);
    expect(bed.provider.requests.length).toBe(before);
    expect(await bed.recorded(session)).toMatchObject({ status: 403, verdict: Verdict.DENIED, policy: "", reason: "no policy allows this request" });
  });

  it("denies on a keyword, naming the policy, its reason and the session but not the keyword", async () => {
    await bed.use([
      { name: "no-ssn-keywords", priority: 100, keywords: ["social security"], action: PolicyAction.DENY, reason: "Personal data must not be sent" },
      { name: "allow-all", priority: 0 },
    ]);
    const { error, session } = await refused("What is my Social Security number?");
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(error.message).toContain("no-ssn-keywords");
    expect(error.message).toContain("Personal data must not be sent");
    expect(error.message).toContain(session);
    expect(error.message.toLowerCase()).not.toContain("social security");
    const exchange = await bed.recorded(session);
    expect(exchange).toMatchObject({ verdict: Verdict.DENIED, policy: "no-ssn-keywords", status: 403 });
    expect(exchange.reason.toLowerCase()).not.toContain("social security");
    // keywordMatch auto: written without its space, or running on into a longer word, it is still
    // the phrase; words that only share its letters are not.
    expect((await chat("socialsecurity is one word")).ok).toBe(false);
    expect((await chat("the social securityguard union")).ok).toBe(false);
    expect((await chat("the socialist security council")).ok).toBe(true);
  });

  it("decides on groups and model with CEL", async () => {
    await bed.use([
      { name: "contractors-no-gpt4", priority: 100, when: '"contractors" in identity.groups && request.model.startsWith("gpt-4")', action: PolicyAction.DENY, reason: "Contractors may not use GPT-4 models" },
      { name: "allow-all", priority: 0 },
    ]);
    const denied = await refused("hi", { groups: ["contractors"], model: "gpt-4o" });
    expect(denied.error.message).toContain("contractors-no-gpt4");
    expect(denied.error.message).toContain("Contractors may not use GPT-4 models");
    expect((await chat("hi", { groups: ["contractors"], model: "gpt-3.5-turbo" })).ok).toBe(true);
    expect((await chat("hi", { groups: ["eng"], model: "gpt-4o" })).ok).toBe(true);
  });

  it("decides on model and prompt of a deeply nested body holding a long number (the source-keeping parse must not blind the policy)", async () => {
    await bed.use([
      { name: "no-ssn-keywords", priority: 100, keywords: ["social security"], action: PolicyAction.DENY, reason: "Personal data must not be sent" },
      { name: "contractors-no-gpt4", priority: 90, when: '"contractors" in identity.groups && request.model.startsWith("gpt-4")', action: PolicyAction.DENY },
      { name: "allow-all", priority: 0 },
    ]);
    const token = await bed.issuer.token("alice", { groups: ["contractors"], email: "a@example.test" });
    // 16 digits make the parse keep numbers' source text (a reviver); 6,000 levels of nesting are
    // nothing to JSON.parse but overflow a reviver's recursion.
    const body = (content: string, model: string) =>
      `{"model":${JSON.stringify(model)},"messages":[{"role":"user","content":${JSON.stringify(content)}}],"user_id":12345678901234567890,"nested":${"[".repeat(6000)}${"]".repeat(6000)}}`;
    const post = async (content: string, model: string) => {
      const response = await fetch(`${bed.agent.url}/openai/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: body(content, model) });
      return { status: response.status, text: await response.text() };
    };
    expect(await post("What is my Social Security number?", "gpt-3.5-turbo")).toMatchObject({ status: 403, text: expect.stringContaining("no-ssn-keywords") });
    expect(await post("hi", "gpt-4o")).toMatchObject({ status: 403, text: expect.stringContaining("contractors-no-gpt4") });
    expect((await post("hi", "gpt-3.5-turbo")).status).toBe(200);
  });

  it("denies and records which policy failed when a condition errors at evaluation", async () => {
    await bed.use([
      { name: "needs-level", priority: 10, when: "identity.claims.level > 2", action: PolicyAction.DENY },
      { name: "allow-all", priority: 0 },
    ]);
    const { error, session } = await refused("hi");
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(error.message).toContain("policy needs-level failed to evaluate");
    const exchange = await bed.recorded(session);
    expect(exchange).toMatchObject({ verdict: Verdict.DENIED, policy: "needs-level" });
    expect(exchange.reason).toContain("fail closed");
  });

  it("refuses callers outside a connection's allowed groups before any policy", async () => {
    await bed.use([{ name: "allow-all" }], { openai: ["ml"] });
    const { error, session } = await refused("hi", { groups: ["eng"] });
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(error.message).toContain("connection openai");
    expect(await bed.recorded(session)).toMatchObject({ verdict: Verdict.DENIED, status: 403 });
    expect((await chat("hi", { groups: ["ml"] })).ok).toBe(true);
  });

  it("limits requests per minute per identity with 429, Retry-After and RateLimitError", async () => {
    await bed.use([{ name: "per-user-budget", requestsPerMinute: 2, reason: "two a minute" }]);
    expect((await chat("one", { subject: "carol" })).ok).toBe(true);
    expect((await chat("two", { subject: "carol" })).ok).toBe(true);
    const { error, session } = await refused("three", { subject: "carol" });
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error.status).toBe(429);
    expect(error.code).toBe("rate_limit_exceeded");
    expect(error.type).toBe("rate_limit_error");
    expect(error.message).toContain("per-user-budget");
    expect(error.message).toContain(session);
    const retryAfter = Number(error.headers?.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await bed.recorded(session)).toMatchObject({ verdict: Verdict.LIMITED, policy: "per-user-budget", status: 429 });
    expect((await chat("another identity", { subject: "dave" })).ok).toBe(true);
  });

  it("limits tokens per hour from the usage the provider reported", async () => {
    // The stand-in reports prompt words + reply chunks as tokens: well over 5 for this prompt.
    await bed.use([
      { name: "token-budget", priority: 10, action: PolicyAction.UNSPECIFIED, tokensPerHour: 5n },
      { name: "allow-all", priority: 0 },
    ]);
    expect((await chat("a prompt of several words", { subject: "erin" })).ok).toBe(true);
    // Usage is charged when the exchange is recorded, right after the response ends.
    let result = await chat("again", { subject: "erin" });
    for (let attempt = 0; result.ok && attempt < 20; attempt++) result = await chat("again", { subject: "erin" });
    if (result.ok) throw new Error("never limited");
    expect(result.error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(result.error.message).toContain("tokens per hour");
    expect(Number(result.error.headers?.get("retry-after"))).toBeGreaterThan(60);
    expect(await bed.recorded(result.session)).toMatchObject({ verdict: Verdict.LIMITED, policy: "token-budget" });
  });

  it("NACKs a snapshot whose condition does not compile and keeps the last good one", async () => {
    await bed.use([{ name: "allow-all" }]);
    const ack = await bed.push([{ name: "broken", when: "identity.groups ++" }]);
    expect(ack.error).toContain("policy broken");
    expect((await chat("still served")).ok).toBe(true);
  });
});

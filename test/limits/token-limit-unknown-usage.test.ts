// A token limit is not dodged by a reply whose usage never arrives: a provider (or a route) that
// reports none, or a caller that leaves a stream before its final usage chunk. Such a reply was
// charged nothing by this agent's counters (and only its prompt by a shared one when it set no
// max_tokens), so a caller could spend without limit. It is now charged an estimate (docs/limits.md).
// Nor by a burst: an agent's own counters charged a request only once it ended, so requests sent all
// at once all passed; each now reserves its estimate while in flight.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { PolicyAction } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { startPolicyBed, type PolicyBed } from "../policy-e2e/policy-bed.js";
import { eventually } from "../support/eventually.js";

let bed: PolicyBed;
beforeAll(async () => {
  bed = await startPolicyBed();
});
afterAll(() => bed?.close());

/** POSTs a chat completion as `subject` straight to the agent. */
async function post(subject: string, body: Record<string, unknown>, headers: Record<string, string> = {}, signal?: AbortSignal) {
  return fetch(`${bed.agent.url}/openai/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${await bed.issuer.token(subject)}`, "content-type": "application/json", ...headers },
    body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "hi" }], ...body }),
    signal,
  });
}

const limited = (tokensPerHour: bigint) => [
  { name: "token-cap", priority: 10, action: PolicyAction.UNSPECIFIED, tokensPerHour },
  { name: "allow-all", priority: 0 },
];

describe("token limits when the provider's usage never arrives", () => {
  it("charges a reply without usage what it plausibly cost: the next request is limited", async () => {
    await bed.use(limited(100n));
    const reply = { id: "c", object: "chat.completion", created: 0, model: "gpt-test", choices: [{ index: 0, message: { role: "assistant", content: "x".repeat(800) }, finish_reason: "stop" }] };
    const script = bed.provider.script({ headers: { "content-type": "application/json" }, chunks: [JSON.stringify(reply)] });
    const first = await post("una", {}, { "x-stand-in-script": script });
    expect(first.status).toBe(200);
    await first.text();
    await bed.recorded(first.headers.get("x-palisade-session"));
    const second = await post("una", {});
    expect(second.status).toBe(429);
    expect(await bed.recorded(second.headers.get("x-palisade-session"))).toMatchObject({ verdict: Verdict.LIMITED, policy: "token-cap" });
  });

  it("charges a stream the caller left before its usage chunk at least its max_tokens", async () => {
    await bed.use(limited(500n));
    const abort = new AbortController();
    const first = await post("vic", { stream: true, max_tokens: 1000 }, { "x-stand-in-fault": "stall-mid-stream" }, abort.signal);
    expect(first.status).toBe(200);
    const session = first.headers.get("x-palisade-session");
    const reader = first.body!.getReader();
    await reader.read(); // the first content chunk, then the caller goes before the usage
    abort.abort();
    await reader.read().catch(() => undefined);
    await eventually("the left stream recorded", () => bed.controlPlane.exchanges.get(session ?? ""));
    const second = await post("vic", {});
    expect(second.status).toBe(429);
    expect(await second.text()).toContain("tokens per hour");
  });

  it("counts the requests in flight: a burst sent at once does not all pass before the first is charged", async () => {
    await bed.use(limited(300n));
    bed.provider.pauseStreams();
    try {
      // Each reserves about 101 tokens (its prompt and max_tokens): the fourth finds 303 held.
      const burst = await Promise.all(Array.from({ length: 8 }, () => post("wes", { stream: true, max_tokens: 100 })));
      expect(burst.filter((response) => response.status === 200).length).toBe(3);
      expect(burst.filter((response) => response.status === 429).length).toBe(5);
      bed.provider.resumeStreams();
      await Promise.all(burst.map((response) => response.text()));
    } finally {
      bed.provider.resumeStreams();
    }
  });

  it("reserves max_tokens for every choice: n choices may each take max_tokens", async () => {
    await bed.use(limited(300n));
    bed.provider.pauseStreams();
    try {
      // Each reserves about 401 tokens (max_tokens 100 for each of 4 choices): the second finds the limit held.
      const burst = await Promise.all(Array.from({ length: 3 }, () => post("xan", { stream: true, max_tokens: 100, n: 4 })));
      expect(burst.map((response) => response.status).sort()).toEqual([200, 429, 429]);
      bed.provider.resumeStreams();
      await Promise.all(burst.map((response) => response.text()));
    } finally {
      bed.provider.resumeStreams();
    }
  });

  it("admits exactly requestsPerMinute of a burst sent at once (held: counted at admission)", async () => {
    await bed.use([{ name: "rpm-cap", priority: 10, action: PolicyAction.UNSPECIFIED, requestsPerMinute: 3 }, { name: "allow-all", priority: 0 }]);
    const burst = await Promise.all(Array.from({ length: 10 }, () => post("yara", {})));
    expect(burst.filter((response) => response.status === 200).length).toBe(3);
    expect(burst.filter((response) => response.status === 429).length).toBe(7);
    await Promise.all(burst.map((response) => response.text()));
  });

  it("charges an Anthropic stream left before message_delta its estimate, not the partial usage of message_start", async () => {
    await bed.use(limited(500n));
    const abort = new AbortController();
    const first = await fetch(`${bed.agent.url}/claude/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": await bed.issuer.token("zed"), "anthropic-version": "2023-06-01", "content-type": "application/json", "x-stand-in-fault": "stall-mid-stream" },
      body: JSON.stringify({ model: "claude-test", max_tokens: 1000, stream: true, messages: [{ role: "user", content: "hi" }] }),
      signal: abort.signal,
    });
    expect(first.status).toBe(200);
    const session = first.headers.get("x-palisade-session");
    const reader = first.body!.getReader();
    let seen = "";
    while (!seen.includes("content_block_delta")) seen += new TextDecoder().decode((await reader.read()).value);
    abort.abort();
    await reader.read().catch(() => undefined);
    const recorded = await eventually("the left stream recorded", () => bed.controlPlane.exchanges.get(session ?? ""));
    // message_start said its input and 1 output token: the record carries the estimate instead.
    expect(recorded.usage).toMatchObject({ estimated: true, completionTokens: 1000n });
    const second = await post("zed", {});
    expect(second.status).toBe(429);
  });
});

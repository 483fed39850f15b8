// The agent's happy path with the real `openai` client: chat completions (plain and streamed) and
// the Responses API (plain and streamed) through a real agent to the stand-in provider, configured
// and audited over a real gRPC stream by the fake control plane.
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { standInChunks, standInReply } from "../support/stand-in-provider.js";
import { eventually } from "../support/eventually.js";
import { anthropicSecret, issuerUrl, startTestBed, upstreamSecret, type TestBed } from "./test-bed.js";

let bed: TestBed;
beforeAll(async () => {
  bed = await startTestBed();
});
afterAll(() => bed?.close());

const recorded = (id: string) => eventually(`exchange ${id} at the control plane`, () => bed.controlPlane.exchanges.get(id));

describe("agent with the openai client", () => {
  it("forwards a chat completion with the connection's credential, never the caller's token", async () => {
    const token = await bed.issuer.token();
    const client = await bed.openai(token);
    const { data, response } = await client.chat.completions
      .create({ model: "gpt-test", messages: [{ role: "user", content: "hello there" }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe(standInReply("hello there"));

    const seen = bed.provider.requests.at(-1)!;
    expect(seen.path).toBe("/v1/chat/completions");
    expect(seen.headers.authorization).toBe(upstreamSecret);
    expect(JSON.stringify(seen.headers)).not.toContain(token);
    expect(seen.headers["accept-encoding"]).toBeUndefined();

    const session = response.headers.get("x-palisade-session")!;
    const exchange = await recorded(session);
    expect(exchange).toMatchObject({
      connection: "openai",
      method: "POST",
      path: "/v1/chat/completions",
      model: "gpt-test",
      stream: false,
      status: 200,
      verdict: Verdict.ALLOWED,
      identity: { subject: "alice", email: "alice@example.test", groups: ["eng"], issuer: issuerUrl },
      usage: { promptTokens: 2n, completionTokens: BigInt(standInChunks("hello there").length) },
    });
    expect(exchange.requestBody).toContain("hello there");
    expect(exchange.responseBody).toContain(standInReply("hello there"));
    expect(exchange.requestBody + exchange.responseBody).not.toContain(token);
  });

  it("never lets the caller choose the organization or project the connection's key acts for", async () => {
    // The OpenAI SDK sends these from OPENAI_ORG_ID / OPENAI_PROJECT_ID: a user key in several
    // organizations would otherwise serve whichever the caller names.
    const client = new OpenAI({ baseURL: `${bed.agent.url}/openai/v1`, apiKey: await bed.issuer.token(), organization: "org-other", project: "proj_other", maxRetries: 0 });
    const { response } = await client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "scoped" }] }).withResponse();
    expect(response.status).toBe(200);
    const seen = bed.provider.requests.at(-1)!;
    expect(seen.body).toContain("scoped");
    expect(seen.headers["openai-organization"]).toBeUndefined();
    expect(seen.headers["openai-project"]).toBeUndefined();
    expect(seen.headers.authorization).toBe(upstreamSecret);
  });

  it("streams chat completion chunks to the caller while the upstream is still producing", async () => {
    const client = await bed.openai();
    bed.provider.pauseStreams();
    const stream = await client.chat.completions
      .create({ model: "gpt-test", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "one two three" }] })
      .withResponse();
    const chunks = stream.data[Symbol.asyncIterator]();
    // The stand-in holds the rest of the stream until resumed: reading this far proves the agent
    // passed the first chunks through without waiting for the end.
    expect((await chunks.next()).value?.choices[0]?.delta.role).toBe("assistant");
    expect((await chunks.next()).value?.choices[0]?.delta.content).toBe(standInChunks("one two three")[0]);
    bed.provider.resumeStreams();

    let text = standInChunks("one two three")[0]!;
    let usage: { prompt_tokens: number } | undefined;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
      text += next.value.choices[0]?.delta.content ?? "";
      usage = next.value.usage ?? usage;
    }
    expect(text).toBe(standInReply("one two three"));
    expect(usage?.prompt_tokens).toBe(3);

    const exchange = await recorded(stream.response.headers.get("x-palisade-session")!);
    expect(exchange).toMatchObject({ stream: true, status: 200, verdict: Verdict.ALLOWED, responseBody: standInReply("one two three") });
    expect(exchange.usage?.promptTokens).toBe(3n);
    expect(exchange.timeToFirstByte).toBeDefined();
  });

  it("serves the Responses API, plain and streamed, recording the reassembled text and usage", async () => {
    const client = await bed.openai();
    const plain = await client.responses.create({ model: "gpt-test", input: "plain words" }).withResponse();
    expect(plain.data.output_text).toBe(standInReply("plain words"));
    const plainExchange = await recorded(plain.response.headers.get("x-palisade-session")!);
    expect(plainExchange.usage).toMatchObject({ promptTokens: 2n, totalTokens: BigInt(2 + standInChunks("plain words").length) });

    const streamed = await client.responses.create({ model: "gpt-test", input: "streamed words here", stream: true }).withResponse();
    let text = "";
    let completed = false;
    for await (const event of streamed.data) {
      if (event.type === "response.output_text.delta") text += event.delta;
      if (event.type === "response.completed") completed = true;
    }
    expect(text).toBe(standInReply("streamed words here"));
    expect(completed).toBe(true);
    const exchange = await recorded(streamed.response.headers.get("x-palisade-session")!);
    expect(exchange).toMatchObject({ path: "/v1/responses", stream: true, responseBody: standInReply("streamed words here") });
    expect(exchange.usage).toMatchObject({ promptTokens: 3n, completionTokens: BigInt(standInChunks("streamed words here").length) });
  });

  it("serves Anthropic callers who send their token as x-api-key, injecting the connection's key", async () => {
    const token = await bed.issuer.token("bob");
    const response = await fetch(`${bed.agent.url}/claude/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": token, "anthropic-version": "2023-06-01", "content-type": "application/json" },
      body: JSON.stringify({ model: "claude-test", max_tokens: 50, stream: true, messages: [{ role: "user", content: "bonjour" }] }),
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("message_stop");
    const seen = bed.provider.requests.at(-1)!;
    expect(seen.headers["x-api-key"]).toBe(anthropicSecret);
    expect(seen.headers.authorization).toBeUndefined();
    const exchange = await recorded(response.headers.get("x-palisade-session")!);
    expect(exchange).toMatchObject({ connection: "claude", model: "claude-test", identity: { subject: "bob" }, responseBody: standInReply("bonjour") });
    expect(exchange.usage).toMatchObject({ promptTokens: 1n, completionTokens: BigInt(standInChunks("bonjour").length) });
  });

  it("forwards other paths with their query string and method", async () => {
    const response = await fetch(`${bed.agent.url}/openai/v1/models?limit=2&after=x`, { headers: { authorization: `Bearer ${await bed.issuer.token()}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ object: "list" });
    expect(bed.provider.requests.at(-1)).toMatchObject({ method: "GET", path: "/v1/models?limit=2&after=x", body: "" });
    const exchange = await recorded(response.headers.get("x-palisade-session")!);
    expect(exchange).toMatchObject({ method: "GET", path: "/v1/models?limit=2&after=x", verdict: Verdict.ALLOWED });
  });

  it("refuses a body that is not JSON (400 invalid_json, the provider's format), forwards none of it and records the refusal", async () => {
    const before = bed.provider.requests.length;
    const response = await fetch(`${bed.agent.url}/openai/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${await bed.issuer.token()}`, "content-type": "application/json" },
      body: "{not json",
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { type: "invalid_request_error", code: "invalid_json" } });
    expect(bed.provider.requests.length).toBe(before);
    const exchange = await recorded(response.headers.get("x-palisade-session")!);
    expect(exchange).toMatchObject({ model: "", status: 400, verdict: Verdict.DENIED });
    expect(exchange.reason).toContain("invalid_json");
  });

  it("passes upstream errors through unchanged and records them as allowed exchanges", async () => {
    const client = await bed.openai();
    const failure = await client.chat.completions
      .create({ model: "gpt-test", messages: [{ role: "user", content: "x" }] }, { headers: { "x-stand-in-status": "500" } })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as { status?: number }).status).toBe(500);
    expect((failure as { message: string }).message).toContain("stand-in was told to fail");
  });
});

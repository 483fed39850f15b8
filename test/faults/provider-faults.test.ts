// A misbehaving provider behind a real agent process (upstream timeout and idle timeout 1 s) under
// steady load: a provider that hangs, resets the connection before answering or in the middle of a
// stream, and sends broken SSE. Each faulty call ends with a clear error in the provider's format
// (or, once a stream has begun, with the stream cut), each is recorded once as what it was, and the
// agent keeps serving everyone else throughout. Then a provider that answers and goes silent: the
// real OpenAI and Anthropic clients get their own typed error, not a stream held open for ever.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";
import { palisade } from "../support/stack.js";
import { chatOnce, clearError, freePort, settledSessions, startAgentProcess, startLoad, succeeded, useInProcessBed, type InProcessBed } from "./fault-bed.js";

let bed: InProcessBed;
let env: Record<string, string>;
let token: string;
let baseURL: string;
let agentURL: string;

useInProcessBed(async (started) => {
  bed = started;
  ({ env, token } = bed);
  const port = await freePort();
  await palisade(env, ["apply", "-f", "-"], `kind: Connection
name: standin-claude
provider: anthropic
upstream: ${bed.provider.url}
credential: { header: x-api-key, value: sk-ant-stand-in }
`);
  const agentToken = (await palisade(env, ["agent", "create", "faulty"])).trim();
  await startAgentProcess(port, bed.controlPlane.url, agentToken, ["--upstream-timeout", "1s", "--upstream-idle-timeout", "1s"]);
  agentURL = `http://127.0.0.1:${port}`;
  baseURL = `${agentURL}/standin/v1`;
  await eventually("the agent to serve", async () => (succeeded(await chatOnce(baseURL, token, "ready?")) ? true : undefined), 60_000);
}, { timeout: 120_000 });

interface Session {
  id: string;
  response: { status: number; verdict: string; reason?: string; error?: string };
}

/** A streamed chat completion with `fault`: status, session and the raw body (or the cut). */
async function faultyStream(fault: string): Promise<{ status: number; session: string | null; text: string; cut?: string }> {
  const response = await fetch(`${baseURL}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "x-stand-in-fault": fault },
    body: JSON.stringify({ model: "stand-in", stream: true, messages: [{ role: "user", content: "one two three four" }] }),
  });
  const session = response.headers.get("x-palisade-session");
  let text = "";
  try {
    for await (const chunk of response.body!) text += Buffer.from(chunk as Uint8Array).toString("latin1");
    return { status: response.status, session, text };
  } catch (error) {
    return { status: response.status, session, text, cut: String((error as Error).message) };
  }
}

describe("a provider that hangs, resets and sends broken SSE", () => {
  it("gives each caller a clear outcome, records each once, and keeps serving the rest", { timeout: 120_000 }, async () => {
    const load = startLoad(baseURL, token);
    const hang = chatOnce(baseURL, token, "hang", { "x-stand-in-fault": "hang" });
    const reset = await chatOnce(baseURL, token, "reset", { "x-stand-in-fault": "reset" });
    const midStream = await faultyStream("reset-mid-stream");
    const broken = await faultyStream("broken-sse");
    const hung = await hang;
    await load.answered(5, "after the faults");
    const outcomes = await load.stop();

    // Before any byte of an answer: a clear error in the OpenAI format, naming what happened.
    expect(hung.status).toBe(504);
    expect(clearError(hung)).toBe(true);
    expect(hung.body).toMatchObject({ error: { code: "upstream_timeout", message: expect.stringMatching(/did not answer in time/) } });
    expect(reset.status).toBe(502);
    expect(clearError(reset)).toBe(true);
    expect(reset.body).toMatchObject({ error: { code: "upstream_unreachable" } });
    // Once a stream has begun the status is sent: the stream ends with the provider's own error
    // event (the SDK raises its typed error), without [DONE].
    expect(midStream.status).toBe(200);
    expect(midStream.cut).toBeUndefined();
    expect(midStream.text).toContain('data: {"error":{"message":"Upstream of connection standin broke off its answer"');
    expect(midStream.text).not.toContain("[DONE]");
    // The real SDK raises its typed error for such a stream rather than a bare connection error.
    const openai = new OpenAI({ baseURL, apiKey: token, maxRetries: 0, timeout: 20_000 });
    const cut = await openai.chat.completions
      .create({ model: "stand-in", stream: true, messages: [{ role: "user", content: "one two" }] }, { headers: { "x-stand-in-fault": "reset-mid-stream" } })
      .withResponse();
    const cutError = await thrown(async () => {
      for await (const _chunk of cut.data);
    });
    expect(cutError).toBeInstanceOf(OpenAI.APIError);
    expect(cutError).toMatchObject({ code: "upstream_unreachable", type: "server_error" });
    expect(cutError.message).toMatch(/broke off its answer/);
    // Broken SSE is passed through as the provider sent it (the caller's SDK judges it).
    expect(broken.status).toBe(200);
    expect(broken.text).toContain('{"content":"trunc');
    expect(broken.text).not.toContain("[DONE]");

    // Everyone else was served meanwhile.
    expect(outcomes.length).toBeGreaterThan(5);
    expect(outcomes.filter((outcome) => !succeeded(outcome))).toEqual([]);

    const faulty = [hung.session!, reset.session!, midStream.session!, broken.session!];
    const ids = [...faulty, ...outcomes.map((outcome) => outcome.session!)];
    const counts = await settledSessions(env, ids);
    expect(ids.filter((id) => counts.get(id) !== 1)).toEqual([]);
    const recorded = await Promise.all(faulty.map(async (id) => JSON.parse(await palisade(env, ["audit", "show", id, "-o", "json"])) as Session));
    expect(recorded.map((session) => [session.response.status, session.response.verdict])).toEqual([
      [504, "failed"],
      [502, "failed"],
      [200, "failed"],
      [200, "allowed"],
    ]);
    expect(recorded[2]!.response.error).toMatch(/upstream broke off/);
  });
});

/** Runs `call` and returns the error it threw (failing when it did not throw). */
async function thrown(call: () => Promise<unknown>): Promise<Error> {
  try {
    await call();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the call to fail");
}

describe("a provider that answers and then goes silent", () => {
  // The clients' own timeouts (20 s) are far above the agent's idle timeout (1 s): a caller left
  // hanging would fail with a connection timeout, not the agent's error.
  const faulty = (fault: string) => ({ headers: { "x-stand-in-fault": fault } });

  it("ends each caller's answer with a clear error in the provider's format, records it once, and counts it", { timeout: 120_000 }, async () => {
    const openai = new OpenAI({ baseURL, apiKey: token, maxRetries: 0, timeout: 20_000 });
    const claude = new Anthropic({ baseURL: `${agentURL}/standin-claude`, apiKey: token, maxRetries: 0, timeout: 20_000 });
    const sessions: string[] = [];
    const seen: string[] = [];

    // Chat completions stream: the first chunks arrive, then an `error` chunk the SDK raises.
    const chat = await openai.chat.completions
      .create({ model: "stand-in", stream: true, messages: [{ role: "user", content: "one two" }] }, faulty("stall-mid-stream"))
      .withResponse();
    sessions.push(chat.response.headers.get("x-palisade-session")!);
    const chatError = await thrown(async () => {
      for await (const chunk of chat.data) seen.push(chunk.choices[0]?.delta.content ?? "");
    });
    expect(chatError).toBeInstanceOf(OpenAI.APIError);
    expect(chatError).toMatchObject({ code: "upstream_timeout", type: "server_error" });
    expect(chatError.message).toMatch(/Upstream of connection standin stopped sending for 1 s/);
    expect(seen.join("")).toContain("Stand-in");

    // Responses stream: an `error` event, raised by the SDK.
    const responses = await openai.responses
      .create({ model: "stand-in", stream: true, input: "three four" }, faulty("stall-mid-stream"))
      .withResponse();
    sessions.push(responses.response.headers.get("x-palisade-session")!);
    const types: string[] = [];
    const responsesError = await thrown(async () => {
      for await (const event of responses.data) types.push(event.type);
    });
    expect(responsesError).toBeInstanceOf(OpenAI.APIError);
    expect(responsesError).toMatchObject({ code: "upstream_timeout" });
    expect(types).toContain("response.output_text.delta");
    expect(types).not.toContain("response.completed");

    // Anthropic Messages stream: an `event: error` carrying Anthropic's error body.
    const message = await claude.messages
      .create({ model: "claude-test", max_tokens: 64, stream: true, messages: [{ role: "user", content: "five six" }] }, faulty("stall-mid-stream"))
      .withResponse();
    sessions.push(message.response.headers.get("x-palisade-session")!);
    const claudeError = await thrown(async () => {
      for await (const event of message.data) types.push(event.type);
    });
    expect(claudeError).toBeInstanceOf(Anthropic.APIError);
    expect((claudeError as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: "error", error: { type: "api_error", message: expect.stringMatching(/stopped sending/) } });
    expect(types).toContain("content_block_delta");

    // A whole (non-streamed) body: 504 while nothing of it was sent; cut once it was under way.
    const beforeBody = await chatOnce(baseURL, token, "seven", faulty("stall-after-headers").headers);
    expect(beforeBody.status).toBe(504);
    expect(clearError(beforeBody)).toBe(true);
    expect(beforeBody.body).toMatchObject({ error: { code: "upstream_timeout", message: expect.stringMatching(/stopped sending/) } });
    const midBody = await chatOnce(baseURL, token, "eight", faulty("stall-mid-body").headers);
    expect(midBody.status).toBe(0);
    expect(midBody.error).toMatch(/body cut/);
    sessions.push(beforeBody.session!, midBody.session!);

    const counts = await settledSessions(env, sessions);
    expect(sessions.filter((id) => counts.get(id) !== 1)).toEqual([]);
    const recorded = await Promise.all(sessions.map(async (id) => JSON.parse(await palisade(env, ["audit", "show", id, "-o", "json"])) as Session));
    expect(recorded.map((session) => [session.response.status, session.response.verdict])).toEqual([
      [200, "failed"],
      [200, "failed"],
      [200, "failed"],
      [504, "failed"],
      [200, "failed"],
    ]);
    for (const session of recorded) expect(session.response.error).toMatch(/upstream stalled: no data for 1000 ms/);

    const metrics = await (await fetch(`${agentURL}/-/metrics`)).text();
    expect(metrics).toContain('palisade_agent_upstream_failures_total{connection="standin",failure="stalled"} 4');
    expect(metrics).toContain('palisade_agent_upstream_failures_total{connection="standin-claude",failure="stalled"} 1');
  });
});

describe("a provider that resets the connection mid-stream", () => {
  const reset = { headers: { "x-stand-in-fault": "reset-mid-stream" } };

  it("ends a Responses and an Anthropic stream with the provider's error event, never a clean end", { timeout: 60_000 }, async () => {
    const openai = new OpenAI({ baseURL, apiKey: token, maxRetries: 0, timeout: 20_000 });
    const claude = new Anthropic({ baseURL: `${agentURL}/standin-claude`, apiKey: token, maxRetries: 0, timeout: 20_000 });
    const responses = await openai.responses.create({ model: "stand-in", stream: true, input: "nine ten" }, reset).withResponse();
    const types: string[] = [];
    const responsesError = await thrown(async () => {
      for await (const event of responses.data) types.push(event.type);
    });
    expect(responsesError).toBeInstanceOf(OpenAI.APIError);
    expect(responsesError).toMatchObject({ code: "upstream_unreachable" });
    expect(responsesError.message).toMatch(/broke off its answer/);
    expect(types).not.toContain("response.completed");

    const message = await claude.messages
      .create({ model: "claude-test", max_tokens: 64, stream: true, messages: [{ role: "user", content: "eleven" }] }, reset)
      .withResponse();
    const claudeError = await thrown(async () => {
      for await (const event of message.data) types.push(event.type);
    });
    expect(claudeError).toBeInstanceOf(Anthropic.APIError);
    expect((claudeError as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: "error", error: { type: "api_error", message: expect.stringMatching(/broke off its answer/) } });
    expect(types).not.toContain("message_stop");

    const sessions = [responses.response.headers.get("x-palisade-session")!, message.response.headers.get("x-palisade-session")!];
    const counts = await settledSessions(env, sessions);
    expect(sessions.filter((id) => counts.get(id) !== 1)).toEqual([]);
    const recorded = await Promise.all(sessions.map(async (id) => JSON.parse(await palisade(env, ["audit", "show", id, "-o", "json"])) as Session));
    for (const session of recorded) {
      expect(session.response).toMatchObject({ status: 200, verdict: "failed" });
      expect(session.response.error).toMatch(/^upstream broke off: /);
    }
  });
});

describe("a provider that trickles its stream", () => {
  it("is not cut while every gap is shorter than the idle timeout, however long the whole takes", { timeout: 60_000 }, async () => {
    // Six chunks 400 ms apart: 2.4 s in all, more than twice the agent's 1 s idle timeout. There is
    // no deadline on a whole answer (a reasoning model's may take many minutes): the caller's own
    // timeout bounds it, and a caller that leaves aborts the upstream request.
    const response = await fetch(`${baseURL}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "x-stand-in-chunk-delay-ms": "400" },
      body: JSON.stringify({ model: "stand-in", stream: true, messages: [{ role: "user", content: "one two three four" }] }),
    });
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(text).toContain("data: [DONE]");
    expect(text).not.toContain("upstream_timeout");
    const session = response.headers.get("x-palisade-session")!;
    await settledSessions(env, [session]);
    const recorded = JSON.parse(await palisade(env, ["audit", "show", session, "-o", "json"])) as Session;
    expect(recorded.response).toMatchObject({ status: 200, verdict: "allowed" });
  });
});

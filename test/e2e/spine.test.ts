// The spine end to end: a control plane and an agent, configured through the CLI, and the real
// `openai` client and `@openai/agents` Runner talking through the agent to a stand-in provider.
// Proves the credential swap, streaming chunk by chunk, and that every exchange is in the audit
// log with the caller's identity.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI from "openai";
import { Agent as SdkAgent, OpenAIProvider, Runner, setTracingDisabled } from "@openai/agents";
import { startAgent, type Agent } from "../../agent/agent.js";
import { startControlPlane, type ControlPlane } from "../../control-plane/control-plane.js";
import { testDatabase, type TestDatabase } from "../support/database.js";
import {
  standInChunks,
  standInReply,
  startStandInProvider,
  type StandInProvider,
} from "../support/stand-in-provider.js";
import { runPalisade } from "../cli/test-context.js";
import { eventually, within } from "../support/eventually.js";

const ADMIN_TOKEN = "pat_e2e-admin-token-0123456789";
const UPSTREAM_SECRET = "Bearer sk-stand-in-secret";
const SUBJECT = "alice@example.com";

let db: TestDatabase;
let controlPlane: ControlPlane;
let agent: Agent;
let provider: StandInProvider;
let env: Record<string, string>;
let callerToken: string;
let client: OpenAI;
const sessionIds: string[] = [];

beforeAll(async () => {
  setTracingDisabled(true);
  db = await testDatabase();
  controlPlane = await startControlPlane({
    listen: "127.0.0.1:0", databaseUrl: db.url, adminToken: ADMIN_TOKEN, secretKey: Buffer.alloc(32, 2).toString("base64"),
  });
  provider = await startStandInProvider();
  env = { PALISADE_SERVER: controlPlane.url, PALISADE_TOKEN: ADMIN_TOKEN, PALISADE_DATA_DIR: "/nonexistent" };

  const enrol = await runPalisade(["agent", "create", "e2e"], env);
  expect(enrol.code, enrol.stderr).toBe(0);
  agent = await startAgent({ listen: "127.0.0.1:0", controlPlane: controlPlane.url, token: enrol.stdout.trim() });

  const resourceFile = `kind: Connection
name: standin
provider: openai
upstream: ${provider.url}
credential:
  header: authorization
  value: ${UPSTREAM_SECRET}
---
kind: Policy
name: allow-all
connections: ["*"]
action: allow
`;
  const applied = await runPalisade(["apply", "-f", "-"], env, resourceFile);
  expect(applied, applied.stderr).toMatchObject({ code: 0, stdout: "connection/standin created\npolicy/allow-all created\n" });

  const issued = await runPalisade(
    ["token", "create", "--subject", SUBJECT, "--groups", "eng,ml", "--ttl", "15m"],
    env,
  );
  expect(issued.code, issued.stderr).toBe(0);
  callerToken = issued.stdout.trim();
  client = new OpenAI({ baseURL: `${agent.url}/standin/v1`, apiKey: callerToken, maxRetries: 0 });

  // The agent serves the connection once the snapshot carrying it has arrived.
  await eventually("the agent to serve connection standin", async () => {
    const response = await fetch(`${agent.url}/standin/v1/models`, {
      headers: { authorization: `Bearer ${callerToken}` },
    });
    await response.body?.cancel();
    return response.status === 200 ? true : undefined;
  });
});

afterAll(async () => {
  await agent?.close();
  await controlPlane?.close();
  await provider?.close();
  await db?.close();
});

/** Reads a stream until its text is non-empty: the first content the provider released. */
async function firstText<T>(iterator: AsyncIterator<T>, textOf: (item: T) => string): Promise<string> {
  let text = "";
  while (text === "") {
    const next = await iterator.next();
    if (next.done) throw new Error("stream ended before any content");
    text += textOf(next.value);
  }
  return text;
}

/** Reads the rest of a stream. */
async function restText<T>(iterator: AsyncIterator<T>, textOf: (item: T) => string): Promise<string> {
  let text = "";
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) text += textOf(next.value);
  return text;
}

describe("an unmodified OpenAI client through the agent", () => {
  it("gets a chat completion; the provider saw the connection's credential, not the caller's token", async () => {
    const before = provider.requests.length;
    const { data, response } = await client.chat.completions
      .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "plain hello" }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe(standInReply("plain hello"));
    expect(data.usage?.total_tokens).toBeGreaterThan(0);
    sessionIds.push(response.headers.get("x-palisade-session") ?? "missing");
    const received = provider.requests.slice(before);
    expect(received).toHaveLength(1);
    expect(received[0]!.path).toBe("/v1/chat/completions");
    expect(received[0]!.headers.authorization).toBe(UPSTREAM_SECRET);
  });

  it("streams a chat completion chunk by chunk", async () => {
    provider.pauseStreams();
    const { data: stream, response } = await client.chat.completions
      .create({
        model: "gpt-4o-mini",
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: "user", content: "stream me please" }],
      })
      .withResponse();
    sessionIds.push(response.headers.get("x-palisade-session") ?? "missing");
    const iterator = stream[Symbol.asyncIterator]();
    const deltaOf = (chunk: OpenAI.Chat.Completions.ChatCompletionChunk) => chunk.choices[0]?.delta?.content ?? "";
    // The provider holds the rest back until resumed, so this chunk crossed the agent on its own.
    const first = await within("the first streamed chunk while the provider is paused", firstText(iterator, deltaOf));
    expect(first).toBe(standInChunks("stream me please")[0]);
    provider.resumeStreams();
    expect(first + (await restText(iterator, deltaOf))).toBe(standInReply("stream me please"));
  });

  it("uses the Responses API, plain and streamed chunk by chunk", async () => {
    const { data, response } = await client.responses
      .create({ model: "gpt-4o-mini", input: "responses hello" })
      .withResponse();
    expect(data.output_text).toBe(standInReply("responses hello"));
    sessionIds.push(response.headers.get("x-palisade-session") ?? "missing");

    provider.pauseStreams();
    const stream = await client.responses.create({ model: "gpt-4o-mini", input: "responses streamed", stream: true });
    const iterator = stream[Symbol.asyncIterator]();
    const deltaOf = (event: OpenAI.Responses.ResponseStreamEvent) =>
      event.type === "response.output_text.delta" ? event.delta : "";
    const first = await within("the first Responses delta while the provider is paused", firstText(iterator, deltaOf));
    expect(first).toBe(standInChunks("responses streamed")[0]);
    provider.resumeStreams();
    expect(first + (await restText(iterator, deltaOf))).toBe(standInReply("responses streamed"));
  });

  it("runs an Agents SDK agent on the chat completions and the Responses models", async () => {
    for (const useResponses of [false, true]) {
      const before = provider.requests.length;
      const runner = new Runner({
        modelProvider: new OpenAIProvider({ openAIClient: client, useResponses }),
        tracingDisabled: true,
      });
      const assistant = new SdkAgent({ name: "assistant", instructions: "Answer briefly.", model: "gpt-4o-mini" });
      const result = await runner.run(assistant, `agent hello ${useResponses ? "responses" : "chat"}`);
      expect(result.finalOutput).toBe(standInReply(`agent hello ${useResponses ? "responses" : "chat"}`));
      expect(provider.requests.slice(before).map((r) => r.path)).toEqual([
        useResponses ? "/v1/responses" : "/v1/chat/completions",
      ]);

      const streamed = await runner.run(assistant, "agent streamed", { stream: true });
      let text = "";
      for await (const piece of streamed.toTextStream()) text += piece;
      await streamed.completed;
      expect(text).toBe(standInReply("agent streamed"));
    }
  });

  it("refuses a caller without a valid token in the provider's error format", async () => {
    const stranger = new OpenAI({ baseURL: `${agent.url}/standin/v1`, apiKey: "not-a-token", maxRetries: 0 });
    const before = provider.requests.length;
    await expect(
      stranger.chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }] }),
    ).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    expect(provider.requests.length).toBe(before);
  });

  it("never let the caller's token reach the provider", () => {
    expect(provider.requests.length).toBeGreaterThan(5);
    for (const request of provider.requests) {
      expect(JSON.stringify(request.headers)).not.toContain(callerToken);
      expect(request.body).not.toContain(callerToken);
      expect(request.headers.authorization).toBe(UPSTREAM_SECRET);
    }
  });
});

describe("the audit log, read through the CLI", () => {
  it("lists every exchange with the caller's subject", async () => {
    type Listed = {
      id: string;
      connection: string;
      identity: { subject: string; groups: string[] } | null;
      request: { path: string; stream: boolean };
      response: { status: number; verdict: string };
    };
    expect(sessionIds).not.toContain("missing");
    const listed = await eventually("the exchanges in audit list", async () => {
      const run = await runPalisade(["audit", "list", "--subject", SUBJECT, "--limit", "200", "-o", "json"], env);
      expect(run.code, run.stderr).toBe(0);
      const sessions = JSON.parse(run.stdout) as Listed[];
      return sessionIds.every((id) => sessions.some((s) => s.id === id)) ? sessions : undefined;
    });
    for (const id of sessionIds) {
      const session = listed.find((s) => s.id === id)!;
      expect(session).toMatchObject({
        connection: "standin",
        identity: { subject: SUBJECT, groups: ["eng", "ml"] },
        response: { status: 200, verdict: "allowed" },
      });
    }
    const paths = listed.map((s) => s.request.path);
    expect(paths).toContain("/v1/chat/completions");
    expect(paths).toContain("/v1/responses");
    expect(listed.some((s) => s.request.stream)).toBe(true);

    const table = await runPalisade(["audit", "list", "--subject", SUBJECT], env);
    expect(table.stdout).toContain(sessionIds[0]);
    expect(table.stdout.split("\n")[0]).toMatch(
      /^TIME\s+SESSION\s+SUBJECT\s+CONNECTION\s+REQUEST\s+MODEL\s+STATUS\s+VERDICT\s+TOKENS$/,
    );
  });

  it("shows one streamed exchange with its identity, reassembled text, usage and timings", async () => {
    const run = await runPalisade(["audit", "show", sessionIds[1]!, "-o", "json"], env);
    expect(run.code, run.stderr).toBe(0);
    const shown = JSON.parse(run.stdout);
    expect(shown).toMatchObject({
      id: sessionIds[1],
      connection: "standin",
      agent: "e2e",
      identity: { subject: SUBJECT, issuer: "urn:palisade:service-accounts" },
      request: { method: "POST", path: "/v1/chat/completions", model: "gpt-4o-mini", stream: true },
      response: { status: 200, verdict: "allowed" },
    });
    expect(shown.request.body).toContain("stream me please");
    expect(shown.response.body).toContain(standInReply("stream me please"));
    expect(shown.response.body).not.toContain(callerToken);
    expect(shown.usage.totalTokens).toBeGreaterThan(0);
    expect(shown.timings.durationMs).toBeGreaterThanOrEqual(0);
  });
});

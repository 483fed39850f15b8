// Usage accounting end to end with the real openai client through a real agent: plain, streamed
// with include_usage, and streamed WITHOUT it (the agent asks for usage itself and hides the extra
// chunk: the client still parses its stream and never sees it), then `palisade usage` and the
// control plane's Prometheus counters.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { standInReply } from "../support/stand-in-provider.js";
import { eventually } from "../support/eventually.js";
import { palisade, type Stack, startStack } from "../support/stack.js";

// The stand-in counts prompt tokens as words in the prompt and completion tokens as chunks sent.
const words = (text: string) => text.split(/\s+/).filter(Boolean).length;

describe("usage accounting", () => {
  let stack: Stack;
  let client: OpenAI;
  const prompts = ["count this plain call", "stream with usage please", "stream without asking for usage"];

  beforeAll(async () => {
    stack = await startStack({ agentName: "usage-agent", subject: "ursula@example.com" });
    client = new OpenAI({ baseURL: stack.baseURL, apiKey: stack.callerToken, maxRetries: 0 });
  });
  afterAll(async () => { await stack?.close(); });

  it("counts plain and streamed calls, and a stream that did not ask for usage still parses", async () => {
    const plain = await client.chat.completions.create({ model: "gpt-a", messages: [{ role: "user", content: prompts[0]! }] });
    expect(plain.usage?.prompt_tokens).toBe(words(prompts[0]!));

    const asked = await client.chat.completions.create({
      model: "gpt-b", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: prompts[1]! }],
    });
    const askedChunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of asked) askedChunks.push(chunk);
    // Asked for: the client gets its usage chunk.
    expect(askedChunks.at(-1)?.usage?.prompt_tokens).toBe(words(prompts[1]!));

    const before = stack.provider.requests.length;
    const silent = await client.chat.completions.create({ model: "gpt-b", stream: true, messages: [{ role: "user", content: prompts[2]! }] });
    let text = "";
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of silent) {
      chunks.push(chunk);
      text += chunk.choices[0]?.delta?.content ?? "";
    }
    expect(text).toBe(standInReply(prompts[2]!));
    // The upstream was asked for usage; the client never saw the usage-only chunk.
    const sent = JSON.parse(stack.provider.requests[before]!.body) as { stream_options?: { include_usage?: boolean } };
    expect(sent.stream_options?.include_usage).toBe(true);
    expect(chunks.every((chunk) => chunk.choices.length > 0)).toBe(true);
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);

    // The Responses API reports usage in its completed event by itself: recorded as it comes.
    const responses = await client.responses.create({ model: "gpt-r", input: "responses stream counted", stream: true });
    for await (const event of responses) void event;
  });

  it("reports them with palisade usage, by subject and by model", async () => {
    const expected = [...prompts, "responses stream counted"].map((prompt) => words(prompt)).reduce((a, b) => a + b, 0);
    const total = await eventually("all three calls committed with usage", async () => {
      const out = JSON.parse(await palisade(stack.env, ["usage", "--by", "subject", "--since", "1h", "-o", "json"])) as {
        rows: Array<{ subject: string; requests: number; promptTokens: number; completionTokens: number; totalTokens: number; withoutUsage: number }>;
        total: { requests: number; promptTokens: number };
      };
      const row = out.rows.find((r) => r.subject === "ursula@example.com");
      return row && row.requests >= 5 && row.promptTokens >= expected ? row : undefined;
    });
    // The stack's own readiness probe (GET /v1/models) counts as a request without usage.
    expect(total.withoutUsage).toBeGreaterThanOrEqual(1);
    expect(total.promptTokens).toBe(expected);
    expect(total.completionTokens).toBeGreaterThan(0);
    expect(total.totalTokens).toBe(total.promptTokens + total.completionTokens);

    const byModel = JSON.parse(await palisade(stack.env, ["usage", "--by", "model,connection", "-o", "json"])) as {
      groupBy: string[]; rows: Array<{ model: string; connection: string; requests: number; promptTokens: number }>;
    };
    expect(byModel.groupBy).toEqual(["model", "connection"]);
    expect(byModel.rows.find((r) => r.model === "gpt-r")).toMatchObject({ requests: 1, promptTokens: words("responses stream counted") });
    const gptB = byModel.rows.find((r) => r.model === "gpt-b");
    expect(gptB).toMatchObject({ connection: "standin", requests: 2, promptTokens: words(prompts[1]!) + words(prompts[2]!) });

    const table = await palisade(stack.env, ["usage", "--by", "model"]);
    expect(table).toMatch(/^MODEL\s+REQUESTS\s+REFUSED\s+NO USAGE\s+PROMPT\s+COMPLETION\s+TOTAL/m);
    expect(table).toMatch(/^TOTAL\s+\d+/m);
  });

  it("exports token and request counters by connection, model and verdict, never by subject", async () => {
    const metrics = await (await fetch(`${stack.controlPlane.url}/metrics`)).text();
    const prompt = new RegExp(`palisade_control_plane_usage_tokens_total\\{connection="standin",model="gpt-b",verdict="allowed",type="prompt"\\} ${words(prompts[1]!) + words(prompts[2]!)}`);
    expect(metrics).toMatch(prompt);
    expect(metrics).toMatch(/palisade_control_plane_usage_requests_total\{connection="standin",model="gpt-a",verdict="allowed"\} 1/);
    expect(metrics).not.toContain("ursula");
  });

  it("feeds the same sessions to an AuditSink applied with palisade apply, metadata and usage only", async () => {
    const dir = await mkdtemp(join(tmpdir(), "palisade-usage-sink-"));
    try {
      const path = join(dir, "sessions.jsonl");
      await palisade(stack.env, ["apply", "-f", "-"], `kind: AuditSink\nname: sessions-file\nfile: { path: ${path} }\nevents: [session]\n`);
      const table = await palisade(stack.env, ["get", "auditsinks"]);
      expect(table).toMatch(/^sessions-file\s+file\s+\S+sessions\.jsonl\s+session$/m);
      const events = await eventually("the sessions in the sink's file", async () => {
        const lines = (await readFile(path, "utf8").catch(() => "")).split("\n").filter(Boolean).map((line) => JSON.parse(line));
        return lines.some((event) => event.gen_ai?.request?.model === "gpt-r") ? lines : undefined;
      });
      const silent = events.find((event) => event.gen_ai?.request?.model === "gpt-b" && event.gen_ai?.usage?.input_tokens === words(prompts[2]!));
      expect(silent).toMatchObject({ user: { id: "ursula@example.com" }, palisade: { type: "session", verdict: "allowed", connection: "standin" } });
      expect(JSON.stringify(events)).not.toContain(prompts[2]!);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

import { describe, expect, it } from "vitest";
import { createUsageChunkFilter, openaiStreamUsage } from "./openai-stream-usage.js";

const sse = (data: unknown) => `data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;

describe("openaiStreamUsage", () => {
  it("asks for usage only on streamed completions that did not", () => {
    const rewrite = openaiStreamUsage("/v1/chat/completions", { model: "m", stream: true, stream_options: { foo: 1 } });
    expect(JSON.parse(rewrite!.body.toString())).toEqual({ model: "m", stream: true, stream_options: { foo: 1, include_usage: true } });
    expect(openaiStreamUsage("/v1/completions", { stream: true })).toBeDefined();
    expect(openaiStreamUsage("/v1/chat/completions", { stream: true, stream_options: { include_usage: false } })).toBeDefined();
    expect(openaiStreamUsage("/v1/chat/completions", { stream: true, stream_options: { include_usage: true } })).toBeUndefined();
    expect(openaiStreamUsage("/v1/chat/completions", { stream: false })).toBeUndefined();
    expect(openaiStreamUsage("/v1/responses", { stream: true })).toBeUndefined();
    expect(openaiStreamUsage("/v1/chat/completions", "not json")).toBeUndefined();
  });

  it("drops the usage-only chunk and nothing else, across chunk boundaries", () => {
    const chunk = { id: "c", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content: "hé" } }], usage: null };
    const usage = { id: "c", object: "chat.completion.chunk", choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } };
    const stream = Buffer.from(`: keep-alive\n\n${sse(chunk)}${sse(usage)}${sse("[DONE]")}`, "utf8");
    const filter = createUsageChunkFilter();
    const out: Buffer[] = [];
    // One byte at a time: events, lines and the UTF-8 "é" all split.
    for (let i = 0; i < stream.length; i++) out.push(filter.push(stream.subarray(i, i + 1)));
    out.push(filter.end());
    expect(Buffer.concat(out).toString("utf8")).toBe(`: keep-alive\n\n${sse(chunk)}${sse("[DONE]")}`);
  });

  it("recognises the usage-only chunk however its JSON is spaced, and keeps chunks with other empty arrays", () => {
    const spaced = `{"id":"c","choices": [ \t ],"usage": {"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}`;
    const toolCalls = { id: "c", choices: [{ index: 0, delta: { tool_calls: [] } }], usage: null };
    const filter = createUsageChunkFilter();
    const out = Buffer.concat([filter.push(Buffer.from(`${sse(spaced)}${sse(toolCalls)}`)), filter.end()]).toString("utf8");
    expect(out).toBe(sse(toolCalls));
  });
});

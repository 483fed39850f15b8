import { describe, expect, it } from "vitest";
import { Provider } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import type { SseEvent } from "../sse/sse-parser.js";
import { anthropic } from "./anthropic.js";
import { generic } from "./generic.js";
import { providerFor, type ProviderSpec } from "./index.js";
import { openai } from "./openai.js";

function replay(provider: ProviderSpec, events: [string, unknown][]) {
  const reader = provider.streamReader(1000);
  if (!reader) throw new Error("no stream reader");
  for (const [event, data] of events) {
    const sse: SseEvent = { event, data: typeof data === "string" ? data : JSON.stringify(data) };
    reader.event(sse);
  }
  return { text: reader.text(), usage: reader.usage() };
}

describe("openai", () => {
  it("reads model and stream; tolerates non-objects", () => {
    expect(openai.readRequest({ model: "gpt-4o", stream: true })).toEqual({ model: "gpt-4o", stream: true });
    expect(openai.readRequest(undefined)).toEqual({ model: "", stream: false });
    expect(openai.readRequest(["x"])).toEqual({ model: "", stream: false });
    // max_tokens bounds each choice: n choices (best_of generated) may take n times as many.
    expect(openai.readRequest({ model: "m", max_tokens: 100, n: 4 }).maxTokens).toBe(400);
    expect(openai.readRequest({ model: "m", max_tokens: 100, n: 2, best_of: 5 }).maxTokens).toBe(500);
    expect(openai.readRequest({ model: "m", max_completion_tokens: 100, n: 0 }).maxTokens).toBe(100);
    expect(openai.readRequest({ model: "m", n: 4 }).maxTokens).toBeUndefined();
  });

  it("reads chat and Responses usage", () => {
    expect(openai.readUsage({ usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } })).toEqual({ promptTokens: 3, completionTokens: 4, totalTokens: 7 });
    expect(openai.readUsage({ usage: { input_tokens: 5, output_tokens: 6 } })).toEqual({ promptTokens: 5, completionTokens: 6, totalTokens: 11 });
    expect(openai.readUsage({ id: "x" })).toBeUndefined();
  });

  it("reads the cached part of the prompt (chat and Responses)", () => {
    expect(openai.readUsage({ usage: { prompt_tokens: 2000, completion_tokens: 4, total_tokens: 2004, prompt_tokens_details: { cached_tokens: 1536 } } }))
      .toEqual({ promptTokens: 2000, completionTokens: 4, totalTokens: 2004, cachedTokens: 1536 });
    expect(openai.readUsage({ usage: { input_tokens: 2000, output_tokens: 6, input_tokens_details: { cached_tokens: 1024 } } }))
      .toEqual({ promptTokens: 2000, completionTokens: 6, totalTokens: 2006, cachedTokens: 1024 });
    expect(openai.readUsage({ usage: { prompt_tokens: 5, completion_tokens: 1, prompt_tokens_details: { cached_tokens: 0 } } }))
      .toEqual({ promptTokens: 5, completionTokens: 1, totalTokens: 6 });
  });

  it("reassembles streamed chat completions with the final usage chunk", () => {
    const chunk = (content: string) => ({ choices: [{ index: 0, delta: { content } }] });
    expect(
      replay(openai, [
        ["message", { choices: [{ index: 0, delta: { role: "assistant" } }] }],
        ["message", chunk("Hel")],
        ["message", chunk("lo")],
        ["message", { choices: [], usage: { prompt_tokens: 2, completion_tokens: 2, total_tokens: 4 } }],
        ["message", "[DONE]"],
      ]),
    ).toEqual({ text: "Hello", usage: { promptTokens: 2, completionTokens: 2, totalTokens: 4 } });
  });

  it("reassembles Responses API events", () => {
    expect(
      replay(openai, [
        ["response.created", { type: "response.created", response: { usage: null } }],
        ["response.output_text.delta", { type: "response.output_text.delta", delta: "Hi " }],
        ["response.output_text.delta", { type: "response.output_text.delta", delta: "there" }],
        ["response.completed", { type: "response.completed", response: { usage: { input_tokens: 9, output_tokens: 2, total_tokens: 11 } } }],
      ]),
    ).toEqual({ text: "Hi there", usage: { promptTokens: 9, completionTokens: 2, totalTokens: 11 } });
  });

  it("keeps streamed text within its bound and says so", () => {
    const reader = openai.streamReader(4)!;
    reader.event({ event: "message", data: JSON.stringify({ choices: [{ delta: { content: "abc" } }] }) });
    reader.event({ event: "message", data: JSON.stringify({ choices: [{ delta: { content: "def" } }] }) });
    expect([reader.text(), reader.truncated()]).toEqual(["abcd", true]);
  });

  it("writes errors the OpenAI SDK understands", () => {
    expect(openai.errorBody({ status: 401, kind: "unauthenticated", message: "bad token" })).toEqual({
      error: { message: "bad token", type: "invalid_request_error", param: null, code: "invalid_api_key" },
    });
  });
});

describe("anthropic", () => {
  it("reads usage from a message", () => {
    expect(anthropic.readUsage({ usage: { input_tokens: 10, output_tokens: 3 } })).toEqual({ promptTokens: 10, completionTokens: 3, totalTokens: 13 });
  });

  it("counts cache reads and writes in the prompt (Anthropic's input_tokens leave them out), the reads as cached", () => {
    expect(anthropic.readUsage({ usage: { input_tokens: 10, cache_read_input_tokens: 2000, cache_creation_input_tokens: 300, output_tokens: 3 } }))
      .toEqual({ promptTokens: 2310, completionTokens: 3, totalTokens: 2313, cachedTokens: 2000 });
    expect(
      replay(anthropic, [
        ["message_start", { type: "message_start", message: { usage: { input_tokens: 4, cache_read_input_tokens: 1000, cache_creation_input_tokens: 0, output_tokens: 1 } } }],
        ["message_delta", { type: "message_delta", usage: { output_tokens: 7 } }],
      ]).usage,
    ).toEqual({ promptTokens: 1004, completionTokens: 7, totalTokens: 1011, cachedTokens: 1000 });
  });

  it("reassembles text deltas and usage from message_start and message_delta", () => {
    expect(
      replay(anthropic, [
        ["message_start", { type: "message_start", message: { usage: { input_tokens: 12, output_tokens: 1 } } }],
        ["content_block_delta", { type: "content_block_delta", delta: { type: "text_delta", text: "Bon" } }],
        ["content_block_delta", { type: "content_block_delta", delta: { type: "input_json_delta", partial_json: "{}" } }],
        ["content_block_delta", { type: "content_block_delta", delta: { type: "text_delta", text: "jour" } }],
        ["message_delta", { type: "message_delta", usage: { output_tokens: 5 } }],
      ]),
    ).toEqual({ text: "Bonjour", usage: { promptTokens: 12, completionTokens: 5, totalTokens: 17 } });
  });

  it("writes Anthropic-shaped errors", () => {
    expect(anthropic.errorBody({ status: 401, kind: "unauthenticated", message: "no" })).toEqual({
      type: "error",
      error: { type: "authentication_error", message: "no" },
    });
  });
});

describe("stream errors", () => {
  const stall = { status: 504, kind: "gateway_timeout" as const, message: "went quiet" };

  it("words a failure mid-stream in each API's own streaming format", () => {
    expect(openai.streamError?.("/v1/chat/completions", stall)).toBe(
      'data: {"error":{"message":"went quiet","type":"server_error","param":null,"code":"upstream_timeout"}}\n\n',
    );
    expect(openai.streamError?.("/v1/responses", stall)).toBe(
      'event: error\ndata: {"type":"error","code":"upstream_timeout","message":"went quiet","param":null}\n\n',
    );
    expect(anthropic.streamError?.("/v1/messages", stall)).toBe(
      'event: error\ndata: {"type":"error","error":{"type":"api_error","message":"went quiet"}}\n\n',
    );
  });

  it("has none for a generic API (the stream is cut instead)", () => {
    expect(generic.streamError).toBeUndefined();
  });
});

describe("generic and the registry", () => {
  it("extracts nothing and records streams raw", () => {
    expect(generic.readRequest({ model: "m", stream: true })).toEqual({ model: "", stream: false });
    expect(generic.streamReader(1000)).toBeUndefined();
    expect(generic.errorBody({ status: 404, kind: "not_found", message: "x" })).toHaveProperty("error.code", "unknown_connection");
  });

  it("maps enum values and refuses unspecified ones", () => {
    expect(providerFor(Provider.OPENAI)).toBe(openai);
    expect(providerFor(Provider.ANTHROPIC)).toBe(anthropic);
    expect(providerFor(Provider.UNSPECIFIED)).toBeUndefined();
  });
});

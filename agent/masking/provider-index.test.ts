// A provider-given index or type name that is no array index or known type (`"__proto__"`,
// `"constructor"`, `"toString"`, -1, 1e9 ok but 1.5, 2^53, `"0"`) is a malformed event: the stream is
// refused (UninspectableReply), never a TypeError inside a handler.
import { describe, expect, it } from "vitest";
import { createMaskSession } from "./mask-session.js";
import { rule } from "./test-rules.js";
import { UninspectableReply } from "./uninspectable.js";

const BAD_INDEXES: unknown[] = ["__proto__", "constructor", "toString", -1, "0", 1.5, 2 ** 53, null, { n: 0 }];
const PROTOTYPE_NAMES = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"];
const sse = (events: [string | undefined, unknown][]) => events.map(([type, data]) => `${type ? `event: ${type}\n` : ""}data: ${JSON.stringify(data)}\n\n`).join("");

/** The stream played through a masking session: "ok", or the error's class name. */
function play(provider: string, path: string, body: string): string {
  const stream = createMaskSession(provider, path, [rule()]).responseStream();
  try {
    const client = stream.push(Buffer.from(body)).client.toString() + stream.end().client.toString();
    // The value does not go out whole (a piece of it alone is no value: docs/masking.md).
    return client.includes("jane.doe@example.com") ? "leaked" : "ok";
  } catch (error) {
    return error instanceof UninspectableReply ? "refused" : (error as Error).name;
  }
}

const anthropic = (index: unknown, blockType = "text", deltaType = "text_delta", field = "text") =>
  sse([
    ["message_start", { type: "message_start", message: { id: "m", type: "message", role: "assistant", content: [], model: "c" } }],
    ["content_block_start", { type: "content_block_start", index, content_block: { type: blockType, text: "", thinking: "", [field]: "" } }],
    ["content_block_delta", { type: "content_block_delta", index, delta: { type: deltaType, [field]: "mail jane.doe@exa" } }],
    ["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: deltaType, [field]: "mple.com" } }],
    ["content_block_stop", { type: "content_block_stop", index }],
    ["message_stop", { type: "message_stop" }],
  ]);
const chunk = (choice: Record<string, unknown>) => ({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [choice] });
const chat = (choiceIndex: unknown, callIndex: unknown) =>
  sse([
    [undefined, chunk({ index: choiceIndex, delta: { content: "mail jane.doe@exa" }, finish_reason: null })],
    [undefined, chunk({ index: 0, delta: { tool_calls: [{ index: callIndex, id: "t", type: "function", function: { name: "f", arguments: "{}" } }] }, finish_reason: null })],
    [undefined, chunk({ index: 0, delta: {}, finish_reason: "stop" })],
  ]) + "data: [DONE]\n\n";
const responses = (field: string, index: unknown) => {
  const at = { item_id: "msg", output_index: 0, content_index: 0, [field]: index };
  return sse([
    ["response.output_text.delta", { type: "response.output_text.delta", ...at, delta: "mail jane.doe@exa" }],
    ["response.output_text.delta", { type: "response.output_text.delta", ...at, delta: "mple.com" }],
    ["response.output_text.done", { type: "response.output_text.done", ...at, text: "mail jane.doe@example.com" }],
  ]);
};

describe("provider-given indexes and type names in streams", () => {
  it("well-formed streams still pass", () => {
    expect(play("anthropic", "/v1/messages", anthropic(0))).toBe("ok");
    expect(play("anthropic", "/v1/messages", anthropic(1e9))).toBe("ok");
    expect(play("openai", "/v1/chat/completions", chat(0, 0))).toBe("ok");
    expect(play("openai", "/v1/chat/completions", chat(undefined, undefined))).toBe("ok");
    expect(play("openai", "/v1/responses", responses("summary_index", undefined))).toBe("ok");
  });

  it.each(BAD_INDEXES.map((index) => [JSON.stringify(index), index]))("index %s: refused in every handler", (_, index) => {
    expect(play("anthropic", "/v1/messages", anthropic(index))).toBe("refused");
    expect(play("anthropic", "/v1/messages", anthropic(index, "tool_use", "input_json_delta", "partial_json"))).toBe("refused");
    expect(play("openai", "/v1/chat/completions", chat(index, 0))).toBe("refused");
    expect(play("openai", "/v1/chat/completions", chat(0, index))).toBe("refused");
    for (const field of ["output_index", "content_index", "summary_index"]) expect(play("openai", "/v1/responses", responses(field, index))).toBe("refused");
  });

  it.each(PROTOTYPE_NAMES)("a block or delta type named %s is no known type: no crash, read as an unknown one", (name) => {
    for (const index of [0, 1]) {
      expect(play("anthropic", "/v1/messages", anthropic(index, name, name, "undefined"))).toBe("ok");
      expect(play("anthropic", "/v1/messages", anthropic(index, name, "text_delta", "text"))).toBe("ok");
      expect(play("anthropic", "/v1/messages", anthropic(index, "text", name, "text"))).toBe("ok");
    }
  });
});

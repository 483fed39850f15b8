import { describe, expect, it } from "vitest";
import { anthropic } from "./anthropic.js";
import { generic } from "./generic.js";
import { openai } from "./openai.js";

const lines = (text: string) => text.split("\n");

describe("prompt text", () => {
  it("OpenAI chat: every message (string and parts), tool calls, tool results and tool definitions", () => {
    const body = {
      model: "gpt-4o",
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: [{ type: "text", text: "part one" }, { type: "image_url", image_url: { url: "data:x" } }] },
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "lookup", arguments: '{"q":"secret arg"}' } }] },
        { role: "tool", tool_call_id: "c1", content: "tool said this" },
      ],
      tools: [{ type: "function", function: { name: "lookup", description: "finds things", parameters: { type: "object", properties: { q: { description: "query text" } } } } }],
    };
    const text = openai.promptText(body, JSON.stringify(body));
    for (const piece of ["be brief", "part one", "lookup", '{"q":"secret arg"}', "tool said this", "finds things", "query text"]) expect(text).toContain(piece);
    expect(text).not.toContain("data:x");
  });

  it("OpenAI Responses: instructions, input string or items, function calls and outputs", () => {
    expect(lines(openai.promptText({ instructions: "sys", input: "just this" }, ""))).toEqual(["sys", "just this"]);
    const items = {
      input: [
        { role: "user", content: [{ type: "input_text", text: "hi there" }] },
        { type: "function_call", call_id: "c", name: "weather", arguments: '{"city":"Oslo"}' },
        { type: "function_call_output", call_id: "c", output: "rainy" },
      ],
      tools: [{ type: "function", name: "weather", description: "gets weather", parameters: { type: "object" } }],
    };
    const text = openai.promptText(items, "");
    for (const piece of ["hi there", "weather", '{"city":"Oslo"}', "rainy", "gets weather"]) expect(text).toContain(piece);
  });

  it("Anthropic: system string or blocks, messages, tool_use input, tool_result content, tools", () => {
    const body = {
      system: [{ type: "text", text: "system block" }],
      messages: [
        { role: "user", content: "plain user" },
        { role: "assistant", content: [{ type: "tool_use", id: "t", name: "calc", input: { expr: "1+1" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "t", content: [{ type: "text", text: "two" }] }, { type: "text", text: "thanks" }] },
      ],
      tools: [{ name: "calc", description: "adds", input_schema: { type: "object", properties: { expr: { type: "string" } } } }],
    };
    const text = anthropic.promptText(body, "");
    for (const piece of ["system block", "plain user", '{"expr":"1+1"}', "two", "thanks", "adds", '"expr"']) expect(text).toContain(piece);
    expect(anthropic.promptText({ system: "sys string", messages: [] }, "")).toBe("sys string");
  });

  it("generic: the whole body; unknown shapes give nothing", () => {
    expect(generic.promptText(undefined, "raw <xml>body</xml>")).toBe("raw <xml>body</xml>");
    expect(openai.promptText("not an object", "")).toBe("");
    expect(anthropic.promptText({ messages: "wrong" }, "")).toBe("");
  });
});

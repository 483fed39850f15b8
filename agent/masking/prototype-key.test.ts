// A key named __proto__ in a reply or a request (red team, sixth pass): a chat delta
// {"__proto__":{"content":…}} made the masking engine write its text into Object.prototype, so
// every object of the process had a `content` (later requests were refused as duplicate keys).
// Such a document is refused, reply (uninspectable) or request (400 prototype_json_key); nested
// JSON in a string holding one is read as the text it is. Nothing reaches Object.prototype.
import { afterEach, describe, expect, it } from "vitest";
import { compileDetectors } from "../../core/detectors/compile-detectors.js";
import { parseStrictJson } from "../inspection/strict-json.js";
import { createMaskSession } from "./mask-session.js";

const detectors = compileDetectors({ builtins: ["email"], patterns: [], words: [] });
const rule = { policy: "p", detectors, direction: "both", style: "redact", restore: false } as const;
const session = () => createMaskSession("openai", "/v1/chat/completions", [rule]);
// Object.prototype's own names beyond those it starts with: what a reply could have written there.
const builtin = new Set(Object.getOwnPropertyNames(Object.prototype));
const own = () => Object.getOwnPropertyNames(Object.prototype).filter((name) => !builtin.has(name));
const keys = ['"__proto__"', '"\\u005f_proto__"', '"__pr\\u006fto__"'];

afterEach(() => {
  for (const name of own()) delete (Object.prototype as Record<string, unknown>)[name];
});

describe("a key named __proto__", () => {
  it.each(keys)("refuses a streamed chat delta holding one (%s); nothing reaches a prototype", (key) => {
    const stream = session().responseStream();
    const chunk = (delta: string) => `data: {"id":"x","object":"chat.completion.chunk","choices":[{"index":0,"delta":${delta},"finish_reason":null}]}\n\n`;
    expect(() => {
      stream.push(Buffer.from(chunk(`{${key}:{"content":"zoe.quill@exa"}}`)));
      stream.push(Buffer.from(chunk(`{${key}:{"content":"mple.org"}}`) + "data: [DONE]\n\n"));
      stream.end();
    }).toThrow(/__proto__/);
    expect(own()).toEqual([]);
  });

  it.each(keys)("refuses a whole reply holding one (%s), as JSON or as a JSON line", (key) => {
    const body = `{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant",${key}:{"content":"zoe.quill@example.org"}},"finish_reason":"stop"}]}`;
    expect(() => session().maskResponse(Buffer.from(body), "application/json")).toThrow(/__proto__/);
    expect(() => session().maskResponse(Buffer.from(`note\n${body}\n`), "application/json")).toThrow(/__proto__/);
    expect(own()).toEqual([]);
  });

  it("reads JSON in a string holding one as the text it is", () => {
    const body = JSON.stringify({ id: "x", object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: null, tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: '{"__proto__":{"to":"zoe.quill@example.org"}}' } }] }, finish_reason: "stop" }] });
    const { client } = session().maskResponse(Buffer.from(body), "application/json");
    expect(own()).toEqual([]);
    expect(client.toString()).not.toContain("zoe.quill@example.org");
  });

  it.each(keys)("refuses a request body holding one (%s)", (key) => {
    expect(parseStrictJson(`{"model":"m","messages":[],"x":[{${key}:{"content":"hi"}}]}`)).toMatchObject({ ok: false, code: "prototype_json_key" });
    expect(parseStrictJson('{"model":"m","messages":[{"role":"user","content":"about __proto__ and \\u0070rototypes"}]}')).toMatchObject({ ok: true });
  });
});

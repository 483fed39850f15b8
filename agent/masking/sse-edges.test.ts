// Stream shapes beyond the common one: several choices, a stream without finish_reason, Responses
// function call arguments, events of unknown types, a whole SSE body given to maskResponse.
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { createMaskSession } from "./mask-session.js";
import { playStream, sseFetch } from "./sse-fixtures.js";
import { rule } from "./test-rules.js";

const EMAIL = "jane.doe@example.com";
const data = (value: unknown) => `data: ${typeof value === "string" ? value : JSON.stringify(value)}\n\n`;
const base = { id: "c", object: "chat.completion.chunk", created: 1, model: "m" };
const chunk = (choices: unknown[]) => data({ ...base, choices });

describe("SSE masking: other stream shapes", () => {
  it("keeps a text stream per choice and flushes held text in a chunk of its own before [DONE] when no finish_reason came", async () => {
    let sse = "";
    const texts = [`a ${EMAIL}`, `b ${EMAIL.toUpperCase()}`];
    for (let at = 0; at < 30; at++) for (const index of [0, 1]) if (texts[index][at]) sse += chunk([{ index, delta: { content: texts[index][at] }, finish_reason: null }]);
    sse += data("[DONE]");
    const played = playStream(createMaskSession("openai", "/v1/chat/completions", [rule()]), sse, 5);
    expect(played.client.toLowerCase()).not.toContain("jane");
    const client = new OpenAI({ apiKey: "k", baseURL: "http://x.invalid/v1", fetch: sseFetch(played.client), maxRetries: 0 });
    const contents = ["", ""];
    for await (const part of await client.chat.completions.create({ model: "m", messages: [], stream: true })) {
      for (const choice of part.choices) contents[choice.index] += choice.delta.content ?? "";
    }
    expect(contents).toEqual(["a [EMAIL]", "b [EMAIL]"]);
  });

  it("masks Responses function call arguments across deltas, the done event and the final response alike", () => {
    const args = JSON.stringify({ to: EMAIL });
    let sse = "";
    let sequence = 0;
    const event = (type: string, fields: object) => (sse += `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...fields })}\n\n`);
    const item = (argumentsText: string) => ({ id: "fc_1", type: "function_call", call_id: "call_1", name: "send", arguments: argumentsText, status: "completed" });
    event("response.output_item.added", { output_index: 0, item: item("") });
    for (const c of args) event("response.function_call_arguments.delta", { item_id: "fc_1", output_index: 0, delta: c });
    event("response.function_call_arguments.done", { item_id: "fc_1", output_index: 0, arguments: args });
    event("response.output_item.done", { output_index: 0, item: item(args) });
    event("response.completed", { response: { id: "r", object: "response", status: "completed", output: [item(args)] } });
    event("response.audio.transcript.delta", { delta: `mail ${EMAIL}` }); // a type the engine does not know
    const played = playStream(createMaskSession("openai", "/v1/responses", [rule()]), sse);
    expect(played.client).not.toContain("jane");
    const events = played.client.split("\n\n").filter(Boolean).map((text) => JSON.parse(text.slice(text.indexOf("data: ") + 6)));
    const deltas = events.filter((e) => e.type === "response.function_call_arguments.delta").map((e) => e.delta).join("");
    const masked = JSON.stringify({ to: "[EMAIL]" });
    expect(deltas).toBe(masked);
    expect(events.find((e) => e.type === "response.function_call_arguments.done").arguments).toBe(masked);
    expect(events.find((e) => e.type === "response.output_item.done").item.arguments).toBe(masked);
    expect(events.find((e) => e.type === "response.completed").response.output[0].arguments).toBe(masked);
    // A `.delta` event type the engine does not name is a text stream all the same.
    expect(events.filter((e) => e.type === "response.audio.transcript.delta").map((e) => e.delta).join("")).toBe("mail [EMAIL]");
  });

  it("reads a generic connection's stream by its shape (an OpenAI-compatible server) and masks values split across deltas", () => {
    let sse = "";
    for (const c of `hi ${EMAIL}`) sse += chunk([{ index: 0, delta: { content: c }, finish_reason: null }]);
    sse += data({ unknown: `whole ${EMAIL}` }) + data("[DONE]");
    const played = playStream(createMaskSession("generic", "/v1/chat/completions", [rule()]), sse, 3);
    expect(played.client).not.toContain("jane");
    expect([...played.client.matchAll(/"content":"([^"]*)"/g)].map((match) => match[1]).join("")).toBe("hi [EMAIL]");
    expect(played.client).toContain('{"unknown":"whole [EMAIL]"}');
  });

  it("masks a whole SSE body given to maskResponse as a stream", () => {
    let sse = "";
    for (const c of `hi ${EMAIL}`) sse += chunk([{ index: 0, delta: { content: c }, finish_reason: null }]);
    sse += chunk([{ index: 0, delta: {}, finish_reason: "stop" }]) + data("[DONE]");
    const out = createMaskSession("openai", "/v1/chat/completions", [rule()]).maskResponse(Buffer.from(sse), "text/event-stream; charset=utf-8");
    const text = out.client.toString();
    expect(text).not.toContain("jane");
    const contents = [...text.matchAll(/"content":"([^"]*)"/g)].map((match) => match[1]).join("");
    expect(contents).toBe("hi [EMAIL]");
  });

  it("holds a finish chunk that still holds text for one event only: the next chunk of another choice releases it", () => {
    const stream = createMaskSession("openai", "/v1/chat/completions", [rule()]).responseStream();
    const push = (sse: string) => stream.push(Buffer.from(sse)).client.toString();
    expect(push(chunk([{ index: 0, delta: { content: "mail jane" }, finish_reason: null }]))).toContain('"content":"mail "');
    expect(push(chunk([{ index: 0, delta: {}, finish_reason: "stop" }]))).toBe(""); // "jane" may go on after the finish
    const next = push(chunk([{ index: 1, delta: { content: "hi there" }, finish_reason: null }]));
    expect(next).toContain('"delta":{"content":"jane"},"finish_reason":"stop"');
    expect(next).toContain('"index":1');
  });

  it("goes on joined when a choice's text continues after its finish chunk, in one stream or after other events", () => {
    const continued = (between: string) =>
      playStream(createMaskSession("openai", "/v1/chat/completions", [rule()]), chunk([{ index: 0, delta: { content: "mail jane.doe@" }, finish_reason: null }]) + chunk([{ index: 0, delta: {}, finish_reason: "stop" }]) + between + chunk([{ index: 0, delta: { content: "example.com" }, finish_reason: null }]) + data("[DONE]"), 5).client;
    const contents = (sse: string) => [...sse.matchAll(/"content":"([^"]*)"/g)].map((match) => match[1]).join("");
    expect(contents(continued(""))).toBe("mail [EMAIL]");
    // After another event the held text had to go with the finish chunk: the rest is masked from its start.
    expect(contents(continued(data({ ...base, choices: [], usage: { total_tokens: 1 } })))).toBe("mail jane.doe@[EMAIL]");
  });

  it("reads identifiers in deltas joined, as openai-python appends them, holding a chunk for the next chunk only", () => {
    const stream = createMaskSession("openai", "/v1/chat/completions", [rule()]).responseStream();
    const push = (sse: string) => stream.push(Buffer.from(sse)).client.toString();
    const call = (fields: object) => chunk([{ index: 0, delta: { tool_calls: [{ index: 0, ...fields }] }, finish_reason: null }]);
    expect(push(call({ id: "call_1", type: "function", function: { name: "jane.doe@", arguments: "" } }))).toBe(""); // the name may go on
    expect(push(call({ function: { name: "example.com", arguments: "{" } }))).toBe(""); // and may still go on
    const out = push(call({ function: { arguments: "}" } })); // a chunk without it: settled
    const names = [...out.matchAll(/"name":"([^"]*)"/g)].map((match) => match[1]);
    expect(names.join("")).toBe("[EMAIL]");
    expect(out).toContain('"id":"call_1"');
    // A role alone waits for the next chunk, then goes out as it was.
    const roles = createMaskSession("openai", "/v1/chat/completions", [rule()]).responseStream();
    expect(roles.push(Buffer.from(chunk([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }]))).client.toString()).toBe("");
    expect(roles.push(Buffer.from(chunk([{ index: 0, delta: { content: "Hi" }, finish_reason: null }]))).client.toString()).toContain('"role":"assistant"');
  });
});

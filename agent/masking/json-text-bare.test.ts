// Tool arguments a model writes are not always JSON: text outside strings (a bare value, single
// quotes, prose) is masked as text; valid JSON goes through as it came, however it is cut.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createJsonTextStream } from "./json-text-stream.js";
import { createMaskContext } from "./mask-context.js";
import { createMaskSession } from "./mask-session.js";
import { rule } from "./test-rules.js";

const EMAIL = "jane.doe@example.com";

function streamed(pieces: readonly string[]) {
  const stream = createJsonTextStream(createMaskContext([rule()]).reply, "args");
  let client = "";
  let record = "";
  for (const piece of pieces) {
    const out = stream.push(piece);
    client += out.client;
    record += out.record;
  }
  const out = stream.flush();
  return { client: client + out.client, record: record + out.record };
}

describe("JSON text streams with text outside strings", () => {
  it.each([
    [[`{"to": ${EMAIL}}`], `{"to": [EMAIL]}`],
    [[`{"to": jane.`, `doe@example.com}`], `{"to": [EMAIL]}`],
    [[`{'to': '${EMAIL}'}`], `{'to': '[EMAIL]'}`],
    [[`not json, ${EMAIL} then`], `not json, [EMAIL] then`],
    [[`{"a":1}`, ` ${EMAIL}`], `{"a":1} [EMAIL]`],
    [[`{"to": 12${EMAIL}}`], `{"to": [EMAIL]}`],
    [[EMAIL], "[EMAIL]"],
    [[`{"a": nul`, `l, "b": tr`, `ue, "c": nul`, `lify ${EMAIL}}`], `{"a": null, "b": true, "c": nullify [EMAIL]}`],
    [[`[f`, `alse jane.`, `doe@example.com]`], `[false [EMAIL]]`],
  ])("masks %j", (pieces, expected) => {
    const { client, record } = streamed(pieces);
    expect(client).toBe(expected);
    expect(record).toBe(expected);
  });

  it("masks such arguments in a chat stream and in an Anthropic tool input", () => {
    const chat = (args: string) => `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "f", arguments: args } }] }, finish_reason: null }] })}\n\n`;
    const anthropic = (json: string) => `event: content_block_delta\ndata: ${JSON.stringify({ type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: json } })}\n\n`;
    const start = `event: content_block_start\ndata: ${JSON.stringify({ type: "content_block_start", index: 0, content_block: { type: "tool_use", id: "toolu_1", name: "f", input: {} } })}\n\n`;
    for (const [provider, path, body] of [
      ["openai", "/v1/chat/completions", `${chat("{\"to\": jane.")}${chat("doe@example.com}")}data: [DONE]\n\n`],
      ["anthropic", "/v1/messages", `${start}${anthropic("{'to': 'jane.")}${anthropic("doe@example.com'}")}event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n`],
    ] as const) {
      const masker = createMaskSession(provider, path, [rule()]).responseStream();
      const first = masker.push(Buffer.from(body));
      const last = masker.end();
      expect(`${first.client}${last.client}`).not.toContain("doe@example");
      expect(`${first.record}${last.record}`).not.toContain("doe@example");
    }
  });

  it("writes valid JSON as it came, cut anywhere (property)", () => {
    fc.assert(
      // Short numbers: a long one may be a value of its own (masked as digits, by design).
      fc.property(fc.jsonValue({ maxDepth: 3 }), fc.array(fc.nat(), { maxLength: 6 }), fc.constantFrom(undefined, " ", "\n  "), (value, cutsAt, blank) => {
        const text = JSON.stringify(value, (_, item: unknown) => (typeof item === "number" ? Math.trunc(item) % 1000 : item), blank);
        const cuts = [...new Set(cutsAt.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b);
        const pieces = [0, ...cuts].map((from, index) => text.slice(from, [...cuts, text.length][index]));
        const { client, record } = streamed(pieces);
        // Still JSON, and outside strings as it came (a random string may be a value: "0@0.AA").
        expect(() => JSON.parse(client)).not.toThrow();
        expect(record).toBe(client);
        expect(client.replace(/"(?:[^"\\]|\\.)*"/g, '""')).toBe(text.replace(/"(?:[^"\\]|\\.)*"/g, '""'));
      }),
      { numRuns: 300 },
    );
  });
});

// A value a detector knows only by the name before it (an AWS secret access key: 40 characters
// that say nothing alone) is found wherever the name stands beside it: a JSON key and its value,
// in a request, a whole reply, a JSON document inside a string and streamed tool arguments cut
// anywhere; the name split across two messages. Without the name, the same 40 characters pass.
import { describe, expect, it } from "vitest";
import { compileDetectors } from "../../core/detectors/compile-detectors.js";
import { createMaskSession } from "./mask-session.js";
import { playStream } from "./sse-fixtures.js";
import { rule } from "./test-rules.js";

const secrets = [rule({ detectors: compileDetectors({ builtins: ["secrets"], patterns: [], words: [] }) })];
const KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const user = (content: string) => ({ role: "user", content });
const chat = (content: string, extra = {}) => ({ id: "c", object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }], ...extra });
const cut = (text: string, size: number) => text.match(new RegExp(`[\\s\\S]{1,${size}}`, "g")) as string[];

describe("a value known by its name", () => {
  it.each([
    { messages: [user("x")], aws_secret_access_key: KEY },
    { messages: [user("x")], metadata: { aws: { SecretAccessKey: KEY } } },
    { messages: [user("x")], aws: `_secret_access_key = ${KEY}` },
    { messages: [user("my aws_secret_"), user(`access_key=${KEY}`)] },
    { messages: [user(`{"AwsSecretAccessKey": "${KEY}"}`)] },
  ])("is masked in a request: %j", (body) => {
    const session = createMaskSession("openai", "/v1/chat/completions", secrets);
    const out = session.maskRequest(Buffer.from(JSON.stringify(body))).toString();
    expect(out).not.toContain(KEY.slice(0, 20));
    expect(out).toContain("[SECRET]");
  });

  it.each([
    chat("x", { creds: { aws_secret_access_key: KEY } }),
    chat("x", { Credentials: { AccessKeyId: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: KEY } }),
    chat(`{"SecretAccessKey": "${KEY}"}`),
  ])("is masked in a whole reply: %j", (body) => {
    const session = createMaskSession("openai", "/v1/chat/completions", secrets);
    const out = session.maskResponse(Buffer.from(JSON.stringify(body)), "application/json").client.toString();
    expect(out).not.toContain(KEY.slice(0, 20));
  });

  it.each([1, 3, 7, 200])("is masked in streamed tool arguments cut every %i characters (OpenAI, Anthropic)", (size) => {
    for (const args of [`{"aws_secret_access_key": "${KEY}"}`, `{"creds":{"SecretAccessKey" :\n "${KEY}","n":1}}`]) {
      const openai = cut(args, size).map((piece, at) =>
        `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", choices: [{ index: 0, delta: { tool_calls: [{ index: 0, ...(at === 0 ? { id: "t", type: "function" } : {}), function: { ...(at === 0 ? { name: "f" } : {}), arguments: piece } }] } }] })}\n\n`);
      const streamed = playStream(createMaskSession("openai", "/v1/chat/completions", secrets), `${openai.join("")}data: [DONE]\n\n`).client;
      const text = streamed.split("\n\n").filter((event) => event.startsWith("data: {")).map((event) => JSON.parse(event.slice(6)).choices[0].delta.tool_calls[0].function.arguments).join("");
      expect(text).toBe(args.replace(KEY, "[SECRET]"));

      const event = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
      const anthropic = [
        event("message_start", { message: { id: "m", type: "message", role: "assistant", content: [], model: "c", usage: { input_tokens: 1, output_tokens: 1 } } }),
        event("content_block_start", { index: 0, content_block: { type: "tool_use", id: "t", name: "f", input: {} } }),
        ...cut(args, size).map((piece) => event("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: piece } })),
        event("content_block_stop", { index: 0 }),
        event("message_stop", {}),
      ].join("");
      const out = playStream(createMaskSession("anthropic", "/v1/messages", secrets), anthropic).client;
      const input = out.split("\n\n").filter((piece) => piece.includes("input_json_delta")).map((piece) => JSON.parse(piece.split("data: ")[1]!).delta.partial_json).join("");
      expect(input).toBe(args.replace(KEY, "[SECRET]"));
    }
  });

  it("without the name, the same characters pass", () => {
    const request = createMaskSession("openai", "/v1/chat/completions", secrets);
    const body = { messages: [user(`checksum ${KEY}`)], note: KEY, secret: KEY };
    expect(JSON.parse(request.maskRequest(Buffer.from(JSON.stringify(body))).toString())).toEqual(body);
    const reply = createMaskSession("openai", "/v1/chat/completions", secrets);
    const answer = chat("x", { access: { key: KEY } });
    expect(JSON.parse(reply.maskResponse(Buffer.from(JSON.stringify(answer)), "application/json").client.toString())).toEqual(answer);
  });
});

// Every string of a request is inspected wherever it sits, and masking writes back exactly there:
// keys, unknown fields, JSON in strings, base64 text, numbers, values split over neighbouring
// strings, path, query and headers.
import { describe, expect, it } from "vitest";
import { compileDetectors } from "../../core/detectors/compile-detectors.js";
import { createMaskSession } from "../masking/mask-session.js";
import { rule } from "../masking/test-rules.js";
import { openai } from "../providers/openai.js";
import { canonicalBody } from "./canonical-body.js";
import { maskedRequest } from "./mask-canonical.js";
import { contentView, inspectRequest } from "./request-inspection.js";

const EMAIL = "jane.doe@example.com";
const detectors = compileDetectors({ builtins: ["email", "phone", "payment-card"], patterns: [], words: ["project nightingale"] });
const route = (rest = "/v1/chat/completions", search = "") => ({ connection: "openai", rest, search });

async function mask(body: unknown, options: { rest?: string; search?: string; headers?: Record<string, string> } = {}) {
  const headers = { "content-type": "application/json", ...options.headers };
  const decoded = await canonicalBody(Buffer.from(JSON.stringify(body)), headers, options.rest ?? "/v1/chat/completions", openai.requestBodies, 1 << 20);
  if (!decoded.ok) throw new Error(decoded.code);
  const at = route(options.rest, options.search);
  const inspection = inspectRequest(decoded.body, at, headers, "authorization");
  const session = createMaskSession("openai", at.rest, [rule({ detectors })]);
  const result = maskedRequest(decoded.body, at, () => inspection, session);
  return { result, inspection, session };
}

const sent = async (body: unknown, options?: Parameters<typeof mask>[1]) => {
  const { result } = await mask(body, options);
  if (!result.ok) throw new Error(result.reason);
  return { json: JSON.parse(result.upstream.bytes.toString("utf8")), upstream: result.upstream };
};

describe("every string is inspected", () => {
  it.each([
    ["an unknown field", { model: "m", whatever: { deep: [{ note: `mail ${EMAIL}` }] } }],
    ["a tool schema", { model: "m", tools: [{ type: "function", function: { name: "f", parameters: { type: "object", properties: { to: { type: "string", default: EMAIL } } } } }] }],
    ["a response_format schema", { model: "m", response_format: { type: "json_schema", json_schema: { name: "x", schema: { description: `write to ${EMAIL}` } } } }],
    ["prediction", { model: "m", prediction: { type: "content", content: EMAIL } }],
    ["an Anthropic document", { model: "m", messages: [{ role: "user", content: [{ type: "document", source: { type: "text", media_type: "text/plain", data: `${EMAIL}` } }] }] }],
    ["a key", { model: "m", metadata: { [EMAIL]: "x" } }],
    ["tool arguments (JSON in a string)", { model: "m", messages: [{ role: "assistant", tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: JSON.stringify({ to: EMAIL }) } }] }] }],
    ["base64 text", { model: "m", messages: [{ role: "user", content: [{ type: "file", file: { file_data: `data:text/plain;base64,${Buffer.from(`to ${EMAIL}`).toString("base64")}` } }] }] }],
    ["a card as a number", { model: "m", messages: [{ role: "user", content: "card:" }], extra: 4111111111111111 }],
  ])("masks %s", async (_name, body) => {
    const { upstream } = await sent(body);
    const text = upstream.bytes.toString("utf8");
    expect(text).not.toContain(EMAIL);
    expect(text).not.toContain("4111111111111111");
    expect(Buffer.from(JSON.stringify(JSON.parse(text))).toString()).toBe(text); // still JSON
  });

  it("masks keys in place, and refuses when two masked keys would merge", async () => {
    const { json } = await sent({ model: "m", metadata: { a: 1, [EMAIL]: "x", z: 2 } });
    expect(Object.keys(json.metadata)).toEqual(["a", "[EMAIL]", "z"]);
    const { result } = await mask({ model: "m", metadata: { "a@example.com": 1, "b@example.com": 2 } });
    expect(result).toMatchObject({ ok: false, refusal: { status: 400, code: "unmaskable" } });
  });

  it("re-encodes base64 text and keeps JSON in strings a string of JSON", async () => {
    const data = `data:text/plain;base64,${Buffer.from(`to ${EMAIL}`).toString("base64")}`;
    const { json } = await sent({ model: "m", file: { file_data: data }, args: JSON.stringify({ to: EMAIL, n: 1 }) });
    expect(Buffer.from(json.file.file_data.split(",")[1], "base64").toString()).toBe("to [EMAIL]");
    expect(JSON.parse(json.args)).toEqual({ to: "[EMAIL]", n: 1 });
  });

  it("names binary payloads instead of reading them", async () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13]), Buffer.alloc(300, 7)]).toString("base64");
    const { inspection } = await mask({ model: "m", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: `data:image/png;base64,${png}` } }, { type: "input_audio", input_audio: { data: png, format: "wav" } }] }] });
    expect(inspection.binary.map((part) => part.kind)).toEqual(["data URL image/png", "base64 payload"]);
  });
});

describe("text split over neighbouring strings", () => {
  it("masks every fragment of a value split over content parts or messages", async () => {
    const { json } = await sent({ model: "m", messages: [{ role: "user", content: [{ type: "text", text: "write to jane.doe@exa" }, { type: "text", text: "mple.com today" }] }] });
    expect(json.messages[0].content.map((part: { text: string }) => part.text)).toEqual(["write to [EMAIL]", " today"]);
    const messages = await sent({ model: "m", messages: [{ role: "user", content: "card 4111 1111" }, { role: "user", content: " 1111 1111 ok" }] });
    expect(JSON.stringify(messages.json)).not.toMatch(/1111/);
  });

  it("leaves neighbouring text alone when the value is whole in one string", async () => {
    const { json } = await sent({ model: "m", messages: [{ role: "user", content: "reply to" }, { role: "user", content: EMAIL }], tools: [{ type: "function", function: { name: "send", description: "x" } }] });
    expect(json.messages.map((message: { content: string }) => message.content)).toEqual(["reply to", "[EMAIL]"]);
  });

  it("finds a keyword split over content parts for content rules", async () => {
    const { inspection } = await mask({ model: "m", messages: [{ role: "user", content: [{ type: "text", text: "tell me about project night" }, { type: "text", text: "ingale" }] }] });
    expect(contentView(inspection).folded.some((text) => text.includes("project nlghtlngale"))).toBe(true);
  });
});

describe("path, query and headers", () => {
  it("masks them, percent-decoded, and re-encodes only what changed", async () => {
    const { upstream } = await sent({ model: "m" }, { rest: "/v1/files/jane.doe%40example.com", search: "?to=jane.doe%40example.com&keep=a%2Bb", headers: { "x-note": `from ${EMAIL}`, "x-plain": "ok" } });
    expect(upstream.route.rest).toBe("/v1/files/%5BEMAIL%5D");
    expect(new URLSearchParams(upstream.route.search).get("to")).toBe("[EMAIL]");
    expect(new URLSearchParams(upstream.route.search).get("keep")).toBe("a+b");
    expect(upstream.headers?.["x-note"]).toBe("from [EMAIL]");
    expect(upstream.headers?.["x-plain"]).toBe("ok");
  });

  it("never inspects or forwards the caller's credential", async () => {
    const { inspection } = await mask({ model: "m" }, { headers: { authorization: `Bearer ${EMAIL}` } });
    expect(inspection.slots.some((slot) => slot.text.includes(EMAIL))).toBe(false);
  });

  it("refuses a value in a header name, which cannot be rewritten", async () => {
    const { result } = await mask({ model: "m" }, { headers: { "x-jane.doe@example.com": "1" } });
    expect(result).toMatchObject({ ok: false, refusal: { code: "unmaskable" } });
  });
});

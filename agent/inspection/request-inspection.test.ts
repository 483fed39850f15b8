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
import { compileContentMatch } from "../policy/content-match.js";
import { contentView } from "./content-view.js";
import { inspectRequest } from "./request-inspection.js";
import { joinedReading } from "./joined-reading.js";
import { InspectionLimitError, MAX_INSPECTED_VALUES } from "./text-slot.js";

const EMAIL = "jane.doe@example.com";
const detectors = compileDetectors({ builtins: ["email", "phone", "payment-card"], patterns: [], words: ["project nightingale"] });
const route = (rest = "/v1/chat/completions", search = "") => ({ connection: "openai", rest, search });

async function mask(body: unknown, options: { rest?: string; search?: string; headers?: Record<string, string>; style?: "redact" | "pseudonymize" } = {}) {
  const headers = { "content-type": "application/json", ...options.headers };
  const decoded = await canonicalBody(Buffer.from(JSON.stringify(body)), headers, options.rest ?? "/v1/chat/completions", openai.requestBodies, 1 << 20);
  if (!decoded.ok) throw new Error(decoded.code);
  const at = route(options.rest, options.search);
  const inspection = inspectRequest(decoded.body, at, headers, "authorization");
  const session = createMaskSession("openai", at.rest, [rule({ detectors, style: options.style ?? "redact" })]);
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

  it("masks keys in place, numbering those that would be masked into one", async () => {
    const { json } = await sent({ model: "m", metadata: { a: 1, [EMAIL]: "x", z: 2 } });
    expect(Object.keys(json.metadata)).toEqual(["a", "[EMAIL]", "z"]);
    const two = await sent({ model: "m", metadata: { "[EMAIL]": 0, "a@example.com": 1, "b@example.com": 2, "c@example.com": 3 } });
    expect(two.json.metadata).toEqual({ "[EMAIL]": 0, "[EMAIL_2]": 1, "[EMAIL_3]": 2, "[EMAIL_4]": 3 });
    const pseudonyms = await sent({ model: "m", metadata: { "a@example.com": 1, "b@example.com": 2 } }, { style: "pseudonymize" });
    expect(Object.keys(pseudonyms.json.metadata)).toEqual(["<EMAIL_1>", "<EMAIL_2>"]);
  });

  it("masks a number as digits of the same length, so it stays a number", async () => {
    const { json } = await sent({ model: "m", seed: 6502530000, n: 4111111111111111, keep: 1234, messages: [{ role: "user", content: "call 415-555-0133" }] });
    expect(json).toMatchObject({ seed: 1000000000, n: 1000000000000000, keep: 1234, messages: [{ content: "call [PHONE]" }] });
    const bias = await sent({ model: "m", logit_bias: { "4111111111111111": 1, "5555555555554444": -1 } });
    expect(Object.keys(bias.json.logit_bias)).toEqual(["1000000000000000", "1000000000000001"]);
    const pseudonyms = await sent({ model: "m", a: 6502530000, b: 4155550133, c: 6502530000 }, { style: "pseudonymize" });
    expect(pseudonyms.json).toMatchObject({ a: 1000000001, b: 1000000002, c: 1000000001 });
  });

  it("re-encodes base64 text and keeps JSON in strings a string of JSON", async () => {
    const data = `data:text/plain;base64,${Buffer.from(`to ${EMAIL}`).toString("base64")}`;
    const { json } = await sent({ model: "m", file: { file_data: data }, args: JSON.stringify({ to: EMAIL, n: 1 }) });
    expect(Buffer.from(json.file.file_data.split(",")[1], "base64").toString()).toBe("to [EMAIL]");
    expect(JSON.parse(json.args)).toEqual({ to: "[EMAIL]", n: 1 });
  });

  it("reads JSON in a string padded with whitespace as JSON, and keeps the padding", async () => {
    const args = ' {"to":"jane.doe\\u0040example.com","seed":6502530000}\n';
    const { json } = await sent({ model: "m", messages: [{ role: "assistant", tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: args } }] }] });
    const written = json.messages[0].tool_calls[0].function.arguments as string;
    expect(written).toBe(' {"to":"[EMAIL]","seed":1000000000}\n');
    // Not strict (NaN): read as text, its escapes decoded by the detectors, masked in place.
    const loose = await sent({ model: "m", args: '{"to":"jane.doe\\u0040example.com","n":NaN}' });
    expect(loose.json.args).toBe('{"to":"[EMAIL]","n":NaN}');
  });

  it("reads a multipart JSON lines file line by line and writes back only the lines that changed", async () => {
    const file = '{"custom_id":"1","body":{"messages":[{"role":"user","content":"hi"}]}}\r\n{"custom_id":"2","body":{"messages":[{"role":"user","content":"mail jane.doe\\u0040example.com"}]}}\n';
    const boundary = "b";
    const body = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="b.jsonl"\r\n\r\n${file}\r\n--${boundary}--\r\n`);
    const headers = { "content-type": `multipart/form-data; boundary=${boundary}` };
    const decoded = await canonicalBody(body, headers, "/v1/files", openai.requestBodies, 1 << 20);
    if (!decoded.ok) throw new Error(decoded.code);
    const at = route("/v1/files");
    const inspection = inspectRequest(decoded.body, at, headers, "authorization");
    expect(inspection.slots.some((slot) => slot.location === "request.parts[1][1].body.messages[0].content")).toBe(true);
    const result = maskedRequest(decoded.body, at, () => inspection, createMaskSession("openai", at.rest, [rule({ detectors })]));
    if (!result.ok) throw new Error(result.reason);
    const text = result.upstream.bytes.toString();
    expect(text).toContain('{"custom_id":"1","body":{"messages":[{"role":"user","content":"hi"}]}}\r\n{"custom_id":"2","body":{"messages":[{"role":"user","content":"mail [EMAIL]"}]}}\n');
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

  it("reads each boundary between two words as nothing and as a space, in every mix", async () => {
    const texts = (body: { messages: { content: { text: string }[] | string }[] }) => body.messages.flatMap((message) => (typeof message.content === "string" ? [message.content] : message.content.map((part) => part.text)));
    for (const fragments of [["4111 1111", "1111 1111"], ["card 4111 1111 11", "11", "1111 ok"], ["4111-1111", "1111-1111"], ["call 415", "555", "0133"]]) {
      const asParts = await sent({ model: "m", messages: [{ role: "user", content: fragments.map((text) => ({ type: "text", text })) }] });
      const asMessages = await sent({ model: "m", messages: fragments.map((content) => ({ role: "user", content })) });
      for (const masked of [texts(asParts.json), texts(asMessages.json)]) {
        expect(masked.join("|")).not.toMatch(/1111|555|0133/);
        expect(masked.join("|")).toMatch(/\[(PAYMENT_CARD|PHONE)\]/);
      }
    }
  });

  it("reads keys and labels with their neighbours", async () => {
    const keyed = await sent({ model: "m", metadata: { "jane.doe@": "example.com" } });
    expect(JSON.stringify(keyed.json)).not.toMatch(/jane|example/);
    const labelled = await sent({ model: "m", messages: [{ role: "user", id: "jane.doe@", content: "example.com" }] });
    expect(labelled.json.messages[0]).toEqual({ role: "user", id: "[EMAIL]", content: "" });
    // A label's reading does not swallow what a value's own reading found.
    const plain = await sent({ model: "m", messages: [{ role: "user", content: [{ type: "text", text: "write to jane.doe@exa" }, { type: "text", text: "mple.com today" }] }] });
    expect(plain.json.messages[0].content).toEqual([{ type: "text", text: "write to [EMAIL]" }, { type: "text", text: " today" }]);
  });

  it("finds a keyword split over content parts for content rules", async () => {
    const { inspection } = await mask({ model: "m", messages: [{ role: "user", content: [{ type: "text", text: "tell me about project night" }, { type: "text", text: "ingale" }] }] });
    expect(compileContentMatch("deny", ["project nightingale"], [])!.test(contentView(inspection))).toBe(true);
  });

  it.each([
    ["a word before", ["tell me about the", "project", "night", "ingale"]],
    ["a word after", ["project night", "ingale", "is a bird"]],
    ["one character per part", ["about", ..."project", ..."nightingale", "now"]],
    ["a space needed at two boundaries", ["about", "project", "nightin", "gale", "today"]],
  ])("finds a keyword split with %s, in parts and in messages", async (_name, texts) => {
    const keyword = compileContentMatch("deny", ["project nightingale"], [])!;
    const asParts = await mask({ model: "m", messages: [{ role: "user", content: texts.map((text) => ({ type: "text", text })) }] });
    const asMessages = await mask({ model: "m", messages: texts.map((content) => ({ role: "user", content })) });
    expect(keyword.test(contentView(asParts.inspection))).toBe(true);
    expect(keyword.test(contentView(asMessages.inspection))).toBe(true);
  });

  it.each([
    ["a key and its value", { metadata: { "project night": "ingale" } }],
    ["the model and content", { model: "project night", messages: [{ role: "user", content: "ingale" }] }],
    ["type labels", { m: [{ type: "project night" }, { type: "ingale" }] }],
    ["status and an _id", { m: { status: "project nighting", x_id: "ale" } }],
  ])("finds a keyword split over %s", async (_name, body) => {
    const keyword = compileContentMatch("deny", ["project nightingale"], [])!;
    expect(keyword.test(contentView((await mask({ model: "m", ...body })).inspection))).toBe(true);
  });

  it("does not join words that a boundary keeps apart (whole-word keywords)", async () => {
    const keyword = compileContentMatch("deny", ["project nightingale"], [], "word")!;
    for (const texts of [["the xproject", "nightingale"], ["project", "nightingalex"], ["proj", "ect", "nigh", "tin", "galex"]]) {
      const apart = await mask({ model: "m", messages: texts.map((content) => ({ role: "user", content })) });
      expect(keyword.test(contentView(apart.inspection))).toBe(false);
    }
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

describe("the values a request may hold", () => {
  it("stops reading past the limit (InspectionLimitError), whatever the shape", async () => {
    for (const value of [Array.from({ length: MAX_INSPECTED_VALUES }, () => "a"), Object.fromEntries(Array.from({ length: MAX_INSPECTED_VALUES / 2 + 1 }, (_, index) => [`k${index}`, 1])), Array.from({ length: MAX_INSPECTED_VALUES }, () => [])]) {
      const decoded = await canonicalBody(Buffer.from(JSON.stringify({ model: "m", x: value })), { "content-type": "application/json" }, "/v1/chat/completions", {}, 1 << 24);
      if (!decoded.ok) throw new Error(decoded.message);
      expect(() => inspectRequest(decoded.body, { connection: "c", rest: "/v1/chat/completions", search: "" }, {}, "authorization")).toThrow(InspectionLimitError);
    }
  });
});

describe("the inspection's joined reading", () => {
  it("is the slots' reading before and after masking (masking writes into the request, never into a slot's text)", async () => {
    const body = { model: "m", messages: [{ role: "user", content: [{ type: "text", text: "write to jane.doe@exa" }, { type: "text", text: "mple.com" }] }, { role: "assistant", content: `sure ${EMAIL}` }] };
    const { result, inspection } = await mask(body, { search: `?to=${encodeURIComponent(EMAIL)}`, headers: { "x-note": EMAIL } });
    expect(result.ok && result.upstream.bytes.toString()).not.toContain(EMAIL);
    const texts = inspection.slots.map((slot) => slot.text);
    expect(texts.join("\n")).toContain(EMAIL);
    expect(inspection.reading()).toEqual(joinedReading(inspection.slots));
    const again = inspectRequest((await canonicalBody(Buffer.from(JSON.stringify(body)), { "content-type": "application/json" }, "/v1/chat/completions", openai.requestBodies, 1 << 20) as { ok: true; body: never }).body, route(), {}, "authorization");
    expect(inspection.reading().values.map((index) => texts[index])).toEqual(again.reading().values.map((index) => again.slots[index]!.text));
  });
});

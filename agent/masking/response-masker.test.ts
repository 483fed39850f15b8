import { describe, expect, it } from "vitest";
import { createMaskSession } from "./mask-session.js";
import { UninspectableReply } from "./uninspectable.js";
import { compileDetectors } from "../../core/detectors/compile-detectors.js";
import { playStream } from "./sse-fixtures.js";
import { pseudonymRule, rule } from "./test-rules.js";

const EMAIL = "jane.doe@example.com";
const PHONE = "+44 20 7946 0958";
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const parse = (body: Buffer) => JSON.parse(body.toString("utf8"));
const JSON_TYPE = "application/json; charset=utf-8";
const cards = compileDetectors({ builtins: ["payment-card"], patterns: [], words: [] });

describe("response masking (whole bodies)", () => {
  it("masks chat choices' content and tool call arguments", () => {
    const session = createMaskSession("openai", "/v1/chat/completions", [rule()]);
    const body = {
      id: "x",
      choices: [{ index: 0, message: { role: "assistant", content: `Reach ${EMAIL}`, tool_calls: [{ id: "t", type: "function", function: { name: "f", arguments: `{"phone":"${PHONE}"}` } }] } }],
    };
    const out = session.maskResponse(json(body), JSON_TYPE);
    const masked = parse(out.client);
    expect(masked.choices[0].message.content).toBe("Reach [EMAIL]");
    expect(JSON.parse(masked.choices[0].message.tool_calls[0].function.arguments)).toEqual({ phone: "[PHONE]" });
    expect(out.record.equals(out.client)).toBe(true);
    expect(session.findings()).toEqual(expect.arrayContaining([
      { detector: "email", location: "response.choices[0].message.content", count: 1 },
      { detector: "phone", location: "response.choices[0].message.tool_calls[0].function.arguments.phone", count: 1 },
    ]));
    expect(session.findings()).toHaveLength(2);
  });

  it("masks Responses output text and Anthropic content blocks", () => {
    const openai = createMaskSession("openai", "/v1/responses", [rule()]);
    const output = { output: [{ type: "message", content: [{ type: "output_text", text: `mail ${EMAIL}`, annotations: [] }] }, { type: "function_call", arguments: `{"a":"${EMAIL}"}` }] };
    const masked = parse(openai.maskResponse(json(output), JSON_TYPE).client);
    expect(masked.output[0].content[0].text).toBe("mail [EMAIL]");
    expect(JSON.parse(masked.output[1].arguments)).toEqual({ a: "[EMAIL]" });
    const anthropic = createMaskSession("anthropic", "/v1/messages", [rule()]);
    const message = { type: "message", content: [{ type: "text", text: `call ${PHONE}` }, { type: "tool_use", id: "t", name: "n", input: { to: EMAIL } }] };
    const blocks = parse(anthropic.maskResponse(json(message), JSON_TYPE).client).content;
    expect(blocks).toEqual([{ type: "text", text: "call [PHONE]" }, { type: "tool_use", id: "t", name: "n", input: { to: "[EMAIL]" } }]);
  });

  it("leaves the body untouched when no rule masks responses and nothing can be restored", () => {
    const session = createMaskSession("openai", "/v1/chat/completions", [rule({ direction: "request" })]);
    const body = json({ choices: [{ message: { content: EMAIL } }] });
    const out = session.maskResponse(body, JSON_TYPE);
    expect(out.client).toBe(body);
    expect(out.record).toBe(body);
  });

  it("reads a body by what it is, not by its content type, and refuses bytes that are not UTF-8 text", () => {
    const session = createMaskSession("openai", "/v1/audio", [rule()]);
    expect(session.maskResponse(Buffer.from(`\u0007${EMAIL}`), "audio/mpeg").client.toString()).toBe("\u0007[EMAIL]");
    // NULs (UTF-16 read as UTF-8 is full of them) and text made of control characters are not read.
    expect(() => session.maskResponse(Buffer.from(`\u0000${EMAIL}`), "audio/mpeg")).toThrow(UninspectableReply);
    expect(() => session.maskResponse(Buffer.from(EMAIL, "utf16le"), "text/plain")).toThrow(/NUL/);
    expect(() => session.maskResponse(Buffer.from([...EMAIL].join("\u0001")), "text/plain")).toThrow(/control characters/);
    expect(parse(session.maskResponse(json({ text: EMAIL }), "application/octet-stream").client)).toEqual({ text: "[EMAIL]" });
    expect(() => session.maskResponse(Buffer.from([0x49, 0xff, 0x33]), "audio/mpeg")).toThrow(UninspectableReply);
    expect(() => session.maskResponse(Buffer.from(`{"a":"caf\u00e9"}`, "latin1"), JSON_TYPE)).toThrow(UninspectableReply);
  });

  it("masks NDJSON lines, a value split across lines included, and re-serialises every document", () => {
    const session = createMaskSession("generic", "/api/chat", [rule()]);
    const body = `${JSON.stringify({ message: { content: "write jane.doe@" } })}\n${JSON.stringify({ message: { content: "example.com now" } })}\n`;
    const out = session.maskResponse(Buffer.from(body), "application/x-ndjson").client.toString();
    expect(out.split("\n").filter(Boolean).map((line) => JSON.parse(line).message.content).join("")).toBe("write [EMAIL] now");
    expect(out.endsWith("\n")).toBe(true);
    const duplicate = `{"content":"${EMAIL}","content":"ok"}`;
    expect(session.maskResponse(Buffer.from(duplicate), JSON_TYPE).client.toString()).toBe(`{"content":"ok"}`);
  });

  it("keeps the whitespace around a re-serialised document (a closing line break), not a BOM", () => {
    const session = createMaskSession("openai", "/v1/chat/completions", [rule()]);
    const out = session.maskResponse(Buffer.from(` \n{"content":"${EMAIL}"}\r\n`), JSON_TYPE);
    expect(out.client.toString()).toBe(` \n{"content":"[EMAIL]"}\r\n`);
    expect(out.record.toString()).toBe(out.client.toString());
    const bom = session.maskResponse(Buffer.from(`\ufeff{"content":"${EMAIL}"}\n`), JSON_TYPE);
    expect(bom.client.toString()).toBe(`{"content":"[EMAIL]"}\n`);
    // Spaces inside the document's last string are the document's, not what follows it.
    const inside = session.maskResponse(Buffer.from(`{"content":"${EMAIL}  "}`), JSON_TYPE);
    expect(inside.client.toString()).toBe(`{"content":"[EMAIL]  "}`);
  });

  it("sends a document masking left unchanged as it came, and re-serialises one a parser could read otherwise", () => {
    const session = createMaskSession("openai", "/v1/chat/completions", [rule()]);
    // Formatting, escapes and key order of its own: nothing to mask, every parser reads it alike.
    const plain = Buffer.from(`{ "id" : "x",\n  "choices": [{"message": {"content": "caf\\u00e9 \\/ ok", "role": "assistant"}}], "n": 12345678901234567890 }`);
    const same = session.maskResponse(plain, JSON_TYPE);
    expect(same.client).toBe(plain);
    expect(same.record).toBe(plain);
    const reserialised = (body: string) => session.maskResponse(Buffer.from(body), JSON_TYPE).client.toString();
    // A duplicate key (parsers keep the first or the last), a lone surrogate (kept, replaced or dropped), a BOM: re-serialised.
    expect(reserialised(`{"content":"first","content":"ok"}`)).toBe(`{"content":"ok"}`);
    expect(reserialised(`{ "content" : "a\\ud800b" }`)).toBe(`{"content":"a\\ud800b"}`);
    expect(reserialised(`\uFEFF{ "content": "ok" }`)).toBe(`{"content":"ok"}`);
    // Something masked: re-serialised from what was inspected.
    expect(reserialised(`{ "content" : "mail ${EMAIL}" }`)).toBe(`{"content":"mail [EMAIL]"}`);
    // The parse is shared with the readers after only when it is JSON.parse's own (no number kept as source text).
    expect(same.parsed).toBeUndefined();
    const short = Buffer.from(`{"content": "caf\\u00e9", "n": 12}`);
    expect(session.maskResponse(short, JSON_TYPE)).toEqual({ client: short, record: short, parsed: { text: short.toString(), value: { content: "café", n: 12 } } });
  });

  it("restores the session's placeholders for the caller and keeps them in the record", () => {
    const session = createMaskSession("openai", "/v1/chat/completions", [pseudonymRule({ direction: "request" })]);
    const sent = parse(session.maskRequest(json({ messages: [{ role: "user", content: `I am ${EMAIL}, ${PHONE}` }] })));
    expect(sent.messages[0].content).toBe("I am <EMAIL_1>, <PHONE_1>");
    const reply = json({ choices: [{ message: { content: "Hello <EMAIL_1>! I will call <PHONE_1>, not <PHONE_2> or <EMAIL_1" } }] });
    const out = session.maskResponse(reply, JSON_TYPE);
    expect(parse(out.client).choices[0].message.content).toBe(`Hello ${EMAIL}! I will call ${PHONE}, not <PHONE_2> or <EMAIL_1`);
    expect(parse(out.record).choices[0].message.content).toBe("Hello <EMAIL_1>! I will call <PHONE_1>, not <PHONE_2> or <EMAIL_1");
    expect(session.findings()).toContainEqual({ detector: "restored", location: "response.choices[0].message.content", count: 2 });
  });

  it("masks values the provider produced itself and does not restore them; without restore placeholders stay", () => {
    const session = createMaskSession("openai", "/v1/chat/completions", [pseudonymRule()]);
    session.maskRequest(json({ messages: [{ role: "user", content: `I am ${EMAIL}` }] }));
    const out = session.maskResponse(json({ choices: [{ message: { content: "Hi <EMAIL_1>, write to bob@example.org" } }] }), JSON_TYPE);
    expect(parse(out.client).choices[0].message.content).toBe(`Hi ${EMAIL}, write to <EMAIL_2>`);
    expect(parse(out.record).choices[0].message.content).toBe("Hi <EMAIL_1>, write to <EMAIL_2>");
    const keep = createMaskSession("openai", "/v1/chat/completions", [pseudonymRule({ restore: false })]);
    keep.maskRequest(json({ messages: [{ role: "user", content: `I am ${EMAIL}` }] }));
    const kept = keep.maskResponse(json({ choices: [{ message: { content: "Hi <EMAIL_1>" } }] }), JSON_TYPE);
    expect(parse(kept.client).choices[0].message.content).toBe("Hi <EMAIL_1>");
  });

  it("masks a text body and walks every string of an unknown JSON shape", () => {
    const session = createMaskSession("generic", "/v1/x", [rule()]);
    expect(session.maskResponse(Buffer.from(`hi ${EMAIL}`), "text/plain").client.toString()).toBe("hi [EMAIL]");
    expect(parse(session.maskResponse(json({ data: [{ who: EMAIL }] }), "application/json").client)).toEqual({ data: [{ who: "[EMAIL]" }] });
  });

  it("masks header values and drops a header whose name holds a value (names cannot be rewritten), counting it", () => {
    const session = createMaskSession("openai", "/v1/chat/completions", [rule()]);
    const headers = { "content-type": "application/json", "x-note": `for ${EMAIL}`, "x-44-20-7946-0958": "1", "x-request-id": "req_1" };
    expect(session.maskHeaders(headers)).toEqual({ "content-type": "application/json", "x-note": "for [EMAIL]", "x-request-id": "req_1" });
    expect(session.findings().map((finding) => finding.location).sort()).toEqual(["response.headers", "response.headers.x-note"]);
    const clean = { "content-type": "application/json", "x-request-id": "req_2" };
    expect(session.maskHeaders(clean)).toBe(clean);
  });

  it("reads a header value's bytes as UTF-8 when they are (a full-width @ is three bytes Node hands over as Latin-1), writing the masked value back as bytes", () => {
    const session = createMaskSession("openai", "/v1/chat/completions", [rule()]);
    const latin1 = (text: string) => Buffer.from(text, "utf8").toString("latin1");
    const masked = session.maskHeaders({ "x-who": latin1("zoe.quill＠example.org é"), "x-name": latin1("José") });
    expect(Buffer.from(String(masked["x-who"]), "latin1").toString("utf8")).toBe("[EMAIL] é");
    expect(masked["x-name"]).toBe(latin1("José"));
  });

  it("masks a value in a number as digits of the same length: the number stays a number, whole and in streamed tool arguments", () => {
    const session = createMaskSession("openai", "/v1/chat/completions", [rule({ detectors: cards })]);
    const whole = parse(session.maskResponse(Buffer.from('{"created":4111111111111111,"usage":{"total_tokens":4111111111111111110},"n":7}'), JSON_TYPE).client);
    expect(whole).toEqual({ created: 1000000000000000, usage: { total_tokens: 1000000000000000000 }, n: 7 });
    const pseudonyms = createMaskSession("openai", "/v1/chat/completions", [pseudonymRule({ detectors: cards })]);
    const big = pseudonyms.maskResponse(Buffer.from('{"a":4111111111111111110,"b":5500005555555559}'), JSON_TYPE).client.toString();
    expect(big).toBe('{"a":1000000000000000001,"b":1000000000000002}'); // kept as written: a double would round the first
    let sse = "";
    for (const piece of ['{"card":41111111', "11111111}"]) sse += `data: ${JSON.stringify({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: piece } }] } }] })}\n\n`;
    const played = playStream(createMaskSession("openai", "/v1/chat/completions", [rule({ detectors: cards })]), `${sse}data: [DONE]\n\n`);
    const args = [...played.client.matchAll(/^data: (\{.*\})$/gm)].map((line) => JSON.parse(line[1] as string).choices[0].delta.tool_calls?.[0]?.function?.arguments ?? "").join("");
    expect(JSON.parse(args)).toEqual({ card: 1000000000000000 });
  });
});

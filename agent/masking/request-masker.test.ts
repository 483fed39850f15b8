import { describe, expect, it } from "vitest";
import { compileDetectors } from "../../core/detectors/compile-detectors.js";
import { createMaskSession } from "./mask-session.js";
import { pseudonymRule, rule } from "./test-rules.js";

const EMAIL = "jane.doe@example.com";
const PHONE = "+44 20 7946 0958";
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const parse = (body: Buffer) => JSON.parse(body.toString("utf8"));

describe("request masking: OpenAI chat completions", () => {
  const body = {
    model: "gpt-4o",
    messages: [
      { role: "system", content: `Escalate to ${EMAIL}` },
      { role: "developer", content: [{ type: "text", text: `call ${PHONE}` }] },
      { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "send", arguments: JSON.stringify({ to: EMAIL, note: "line\nbreak" }) } }] },
      { role: "tool", tool_call_id: "c1", content: `sent to ${EMAIL}` },
      { role: "user", name: "jane", content: "nothing here" },
    ],
    tools: [{ type: "function", function: { name: "send", description: `mails ${EMAIL}`, parameters: { type: "object", properties: { to: { type: "string", pattern: ".+@.+" } } } } }],
    seed: 0,
  };
  const raw = JSON.stringify(body).replace('"seed":0', '"seed":12345678901234567890'); // more digits than a double holds

  it("masks every text field, keeps arguments a string of valid JSON and other fields as they were", () => {
    const session = createMaskSession("openai", "/v1/chat/completions", [rule()]);
    const out = session.maskRequest(Buffer.from(raw));
    const text = out.toString("utf8");
    expect(text).not.toContain(EMAIL);
    expect(text).not.toContain("7946");
    const masked = parse(out);
    expect(masked.messages[0].content).toBe("Escalate to [EMAIL]");
    expect(masked.messages[1].content[0].text).toBe("call [PHONE]");
    const args = masked.messages[2].tool_calls[0].function.arguments;
    expect(typeof args).toBe("string");
    expect(JSON.parse(args)).toEqual({ to: "[EMAIL]", note: "line\nbreak" });
    expect(masked.messages[3].content).toBe("sent to [EMAIL]");
    expect(masked.messages[4]).toEqual(body.messages[4]);
    expect(masked.tools[0].function.description).toBe("mails [EMAIL]");
    expect(masked.tools[0].function.parameters).toEqual(body.tools[0].function.parameters);
    expect(text).toContain('"seed":12345678901234567890');
    expect(session.masked).toBe(true);
    expect(session.findings()).toEqual([
      { detector: "email", location: "request.messages[0].content", count: 1 },
      { detector: "phone", location: "request.messages[1].content[0].text", count: 1 },
      { detector: "email", location: "request.messages[2].tool_calls[0].function.arguments.to", count: 1 },
      { detector: "email", location: "request.messages[3].content", count: 1 },
      { detector: "email", location: "request.tools[0].function.description", count: 1 },
    ]);
  });

  it("returns the very same Buffer when nothing matched, or no rule masks requests", () => {
    const clean = json({ model: "m", messages: [{ role: "user", content: "hello" }] });
    expect(createMaskSession("openai", "/v1/chat/completions", [rule()]).maskRequest(clean)).toBe(clean);
    const dirty = json({ model: "m", messages: [{ role: "user", content: EMAIL }] });
    const responseOnly = createMaskSession("openai", "/v1/chat/completions", [rule({ direction: "response" })]);
    expect(responseOnly.maskRequest(dirty)).toBe(dirty);
    expect(responseOnly.masked).toBe(false);
  });
});

describe("request masking: OpenAI Responses API", () => {
  it("masks instructions, input string and items, function call arguments and outputs", () => {
    const session = createMaskSession("openai", "/v1/responses", [rule()]);
    expect(parse(session.maskRequest(json({ model: "m", input: `mail ${EMAIL}` }))).input).toBe("mail [EMAIL]");
    const masked = parse(
      session.maskRequest(
        json({
          model: "m",
          instructions: `You are ${EMAIL}'s assistant`,
          input: [
            { role: "user", content: [{ type: "input_text", text: `ring ${PHONE}` }, { type: "input_image", image_url: "data:image/png;base64,AAAA" }] },
            { type: "function_call", call_id: "c", name: "lookup", arguments: `{"email":"${EMAIL}"}` },
            { type: "function_call_output", call_id: "c", output: `{"owner":"${EMAIL}","ok":true}` },
            { type: "function_call_output", call_id: "d", output: `plain ${EMAIL}` },
          ],
        }),
      ),
    );
    expect(masked.instructions).toBe("You are [EMAIL]'s assistant");
    expect(masked.input[0].content[0].text).toBe("ring [PHONE]");
    expect(masked.input[0].content[1].image_url).toBe("data:image/png;base64,AAAA");
    expect(JSON.parse(masked.input[1].arguments)).toEqual({ email: "[EMAIL]" });
    expect(JSON.parse(masked.input[2].output)).toEqual({ owner: "[EMAIL]", ok: true });
    expect(masked.input[3].output).toBe("plain [EMAIL]");
  });
});

describe("request masking: Anthropic messages", () => {
  it("masks system (string and blocks), text, tool_use input and tool_result content", () => {
    const session = createMaskSession("anthropic", "/v1/messages", [rule()]);
    expect(parse(session.maskRequest(json({ model: "c", system: `to ${EMAIL}`, messages: [] }))).system).toBe("to [EMAIL]");
    const masked = parse(
      session.maskRequest(
        json({
          model: "c",
          system: [{ type: "text", text: `owner ${EMAIL}` }],
          messages: [
            { role: "user", content: `hi, I am ${PHONE}` },
            { role: "assistant", content: [{ type: "text", text: "ok" }, { type: "tool_use", id: "t", name: "crm", input: { contact: { email: EMAIL }, tags: [PHONE] } }] },
            { role: "user", content: [{ type: "tool_result", tool_use_id: "t", content: [{ type: "text", text: `found ${EMAIL}` }] }, { type: "tool_result", tool_use_id: "u", content: EMAIL }] },
          ],
        }),
      ),
    );
    expect(masked.system[0].text).toBe("owner [EMAIL]");
    expect(masked.messages[0].content).toBe("hi, I am [PHONE]");
    expect(masked.messages[1].content[1]).toEqual({ type: "tool_use", id: "t", name: "crm", input: { contact: { email: "[EMAIL]" }, tags: ["[PHONE]"] } });
    expect(masked.messages[2].content[0].content[0].text).toBe("found [EMAIL]");
    expect(masked.messages[2].content[1].content).toBe("[EMAIL]");
    expect(session.findings()).toContainEqual({ detector: "email", location: "request.messages[1].content[1].input.contact.email", count: 1 });
  });
});

describe("request masking: unknown shapes and other bodies", () => {
  it("walks every string of a JSON body of unknown shape or of the generic provider", () => {
    for (const provider of ["openai", "generic"]) {
      const session = createMaskSession(provider, "/v1/whatever", [rule()]);
      const masked = parse(session.maskRequest(json({ query: { who: EMAIL, list: [PHONE, 3] } })));
      expect(masked).toEqual({ query: { who: "[EMAIL]", list: ["[PHONE]", 3] } });
    }
  });

  it("masks strings at any depth of a body of unknown shape", () => {
    const session = createMaskSession("generic", "/v1/whatever", [rule()]);
    for (const depth of [63, 65, 200, 3000]) {
      const text = `{"deep":${"[".repeat(depth)}"${EMAIL}",{"k":"${PHONE}"}${"]".repeat(depth)}}`;
      const masked = session.maskRequest(Buffer.from(text)).toString("utf8");
      expect(masked, `depth ${depth}`).toBe(`{"deep":${"[".repeat(depth)}"[EMAIL]",{"k":"[PHONE]"}${"]".repeat(depth)}}`);
    }
  });

  it("masks a JSON body too deeply nested for the digit-keeping parse as JSON, escapes decoded", () => {
    const session = createMaskSession("generic", "/v1/whatever", [rule()]);
    // A 20-digit number calls for the parse that keeps digits, whose reviver gives up past a few
    // thousand levels; masked as text, the escaped "@" would reach the upstream unmasked. Deeper
    // still, writing the masked body back may overflow too: an error (the pipeline answers 500 and
    // forwards nothing), never the body unmasked.
    let masked = 0;
    for (const depth of [3000, 4500, 6000, 9000, 20_000]) {
      const text = `{"seed":12345678901234567890,"to":"jane.doe\\u0040example.com","deep":${"[".repeat(depth)}${"]".repeat(depth)}}`;
      let out: Buffer;
      try {
        out = session.maskRequest(Buffer.from(text));
      } catch (error) {
        expect(error, `depth ${depth}`).toBeInstanceOf(RangeError);
        continue;
      }
      expect(out.toString("utf8"), `depth ${depth}`).not.toContain("u0040");
      expect(parse(out).to).toBe("[EMAIL]");
      masked++;
    }
    expect(masked).toBeGreaterThan(0);
  });

  it("masks a number that is a value as digits (it stays a number), and keeps other long numbers exactly as written", () => {
    const cards = compileDetectors({ builtins: ["payment-card"], patterns: [], words: [] });
    const session = createMaskSession("generic", "/v1/whatever", [rule({ detectors: cards })]);
    const text = '{"id":4111111111111111,"seed":12345678901234567890,"note":"card 4111111111111111"}';
    expect(session.maskRequest(Buffer.from(text)).toString("utf8")).toBe('{"id":1000000000000000,"seed":12345678901234567890,"note":"card [PAYMENT_CARD]"}');
  });

  it("masks a non-JSON UTF-8 body as text and leaves binary bodies alone", () => {
    const session = createMaskSession("generic", "/upload", [rule()]);
    expect(session.maskRequest(Buffer.from(`to=${EMAIL}&x=1`)).toString()).toBe("to=[EMAIL]&x=1");
    const binary = Buffer.from([0xff, 0xfe, 0x00, ...Buffer.from(EMAIL)]);
    expect(session.maskRequest(binary)).toBe(binary);
  });

  it("pseudonymizes with stable placeholders per value and kind", () => {
    const session = createMaskSession("openai", "/v1/chat/completions", [pseudonymRule()]);
    const other = "bob@example.org";
    const masked = parse(session.maskRequest(json({ messages: [{ role: "user", content: `${EMAIL}, ${other}, ${EMAIL} and ${PHONE}` }] })));
    expect(masked.messages[0].content).toBe("<EMAIL_1>, <EMAIL_2>, <EMAIL_1> and <PHONE_1>");
  });

  it("applies several rules each in its style; overlapping findings: the longest wins", () => {
    const words = compileDetectors({ builtins: [], patterns: [], words: ["example"] });
    const session = createMaskSession("openai", "/v1/chat/completions", [
      rule({ policy: "words", detectors: words }),
      rule({ style: "pseudonymize" }),
    ]);
    const masked = parse(session.maskRequest(json({ input: `an example: ${EMAIL}` })));
    expect(masked.input).toBe("an [WORD]: <EMAIL_1>");
  });
});

describe("bare JSON values", () => {
  it("masks a body that is one JSON string, and a bare number that is a value", () => {
    const session = createMaskSession("generic", "/x", [rule()]);
    expect(session.maskRequest(Buffer.from(JSON.stringify("mail jane.doe@example.com"))).toString()).toBe('"mail [EMAIL]"');
    const number = Buffer.from("2012000000");
    expect(session.maskRequest(number).toString()).toBe("1000000000"); // a US number: inspected, masked as digits
  });
});

// E-mail addresses written to hide them ("jane dot doe [at] example dot com") are masked both ways:
// in a request (one message, split over two, a key), a whole reply, and a reply streamed one
// character at a time — none of the local part goes out before its "[at]" arrives.
import { describe, expect, it } from "vitest";
import { createMaskSession } from "./mask-session.js";
import { chatStream, playStream } from "./sse-fixtures.js";
import { rule } from "./test-rules.js";

const user = (content: string) => ({ role: "user", content });
const forms = ["jane.doe [at] example [dot] com", "jane dot doe at example dot com", "jane.doe(at)example.com", "jane.doe @ example dot com", "jane dot doe@example.com"];

describe("obfuscated e-mail addresses through masking", () => {
  it.each(forms)("are masked in a request: %s", (address) => {
    for (const body of [
      { messages: [user(`Mail ${address} today`)] },
      { messages: [user(`Mail ${address.slice(0, 12)}`), user(`${address.slice(12)} today`)] },
      { messages: [user("x")], metadata: { [address]: 1 } },
    ]) {
      const session = createMaskSession("openai", "/v1/chat/completions", [rule()]);
      const out = session.maskRequest(Buffer.from(JSON.stringify(body))).toString();
      expect(out, JSON.stringify(body)).not.toMatch(/jane|doe/);
      expect(out).toContain("[EMAIL]");
    }
  });

  it.each(forms)("are masked in a whole reply and in a stream cut into characters: %s", (address) => {
    const text = `Sure, mail ${address} or not.`;
    const whole = createMaskSession("openai", "/v1/chat/completions", [rule()]);
    const body = { id: "c", object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }] };
    expect(JSON.parse(whole.maskResponse(Buffer.from(JSON.stringify(body)), "application/json").client.toString()).choices[0].message.content).toBe("Sure, mail [EMAIL] or not.");
    const streamed = playStream(createMaskSession("openai", "/v1/chat/completions", [rule()]), chatStream(text), 1);
    const said = streamed.client.split("\n\n").filter((event) => event.startsWith("data: {")).map((event) => JSON.parse(event.slice(6)).choices[0]?.delta?.content ?? "").join("");
    expect(said).toBe("Sure, mail [EMAIL] or not.");
  });

  it("leave prose with the same words alone", () => {
    const session = createMaskSession("openai", "/v1/chat/completions", [rule()]);
    const body = { messages: [user("I work at example.com; we met at the dot-com bubble, at noon [at] home; y = x @ self.weights")] };
    expect(JSON.parse(session.maskRequest(Buffer.from(JSON.stringify(body))).toString())).toEqual(body);
  });
});

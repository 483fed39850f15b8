// Reading the text of recorded SSE writes, whatever the chunking.
import { describe, expect, it } from "vitest";
import { textOfWrites } from "./stream-text.js";

const chat = (content: string) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content } }] })}\n\n`;

describe("textOfWrites", () => {
  it("reads OpenAI chat, Responses and Anthropic deltas, and nothing from other events", () => {
    expect(textOfWrites([chat("Hel"), chat("lo"), "data: [DONE]\n\n"])).toEqual(["Hel", "lo", ""]);
    expect(textOfWrites([`event: response.output_text.delta\ndata: ${JSON.stringify({ type: "response.output_text.delta", delta: "Hi" })}\n\n`])).toEqual(["Hi"]);
    expect(textOfWrites([`event: content_block_delta\ndata: ${JSON.stringify({ type: "content_block_delta", delta: { type: "text_delta", text: "Yo" } })}\n\n`])).toEqual(["Yo"]);
    expect(textOfWrites([`data: ${JSON.stringify({ usage: { total_tokens: 3 } })}\n\n`, "data: not json\n\n"])).toEqual(["", ""]);
  });

  it("joins an event split over writes, and reads several events of one write", () => {
    const whole = chat("split") + chat(" text");
    const cut = 20;
    expect(textOfWrites([whole.slice(0, cut), whole.slice(cut)])).toEqual(["", "split text"]);
    expect(textOfWrites([whole]).join("")).toBe("split text");
  });
});

// A reply nested thousands of levels deep (which reading or re-serialising it cannot do within the
// call stack) is a reply Palisade cannot inspect — refused as such (502 / the stream's error event),
// not taken for an upstream that broke off, and never passed on unread.
import { describe, expect, it } from "vitest";
import { createMaskSession } from "./mask-session.js";
import { playStream } from "./sse-fixtures.js";
import { rule } from "./test-rules.js";
import { UninspectableReply } from "./uninspectable.js";

const deep = `${"[".repeat(20_000)}"jane.doe@example.com"${"]".repeat(20_000)}`;
const session = () => createMaskSession("openai", "/v1/chat/completions", [rule()]);

describe("a reply nested too deeply to read", () => {
  it("is refused as uninspectable, whole or streamed", () => {
    const whole = `{"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"x"}}],"x":${deep}}`;
    expect(() => session().maskResponse(Buffer.from(whole), "application/json")).toThrow(UninspectableReply);
    expect(() => session().maskResponse(Buffer.from(whole), "application/json")).toThrow(/nested too deeply/);
    const event = `data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"hi"}}],"x":${deep}}\n\ndata: [DONE]\n\n`;
    expect(() => playStream(session(), event, 4096)).toThrow(UninspectableReply);
  });

  it("while a shallow one with the same value is masked", () => {
    const whole = `{"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"x"}}],"x":[["jane.doe@example.com"]]}`;
    expect(session().maskResponse(Buffer.from(whole), "application/json").client.toString()).toContain('"x":[["[EMAIL]"]]');
  });
});

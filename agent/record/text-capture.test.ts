import { describe, expect, it } from "vitest";
import { createTextCapture, cutString } from "./text-capture.js";

describe("createTextCapture", () => {
  it("keeps everything under the limit", () => {
    const capture = createTextCapture(10);
    capture.push(Buffer.from("hello "));
    capture.push(Buffer.from("you"));
    expect(capture.result()).toEqual({ text: "hello you", truncated: false });
  });

  it("cuts at the limit without splitting a character", () => {
    const capture = createTextCapture(5);
    capture.push(Buffer.from("abcd"));
    capture.push(Buffer.from("éfgh"));
    expect(capture.result()).toEqual({ text: "abcd", truncated: true });
  });

  it("cuts decoded strings the same way", () => {
    expect(cutString("ab✓✓", 5)).toEqual({ text: "ab✓", truncated: true });
    expect(cutString("short", 100)).toEqual({ text: "short", truncated: false });
  });
});

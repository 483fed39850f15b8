import { describe, expect, it } from "vitest";
import { createChunkCapture } from "./chunk-capture.js";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("chunk capture", () => {
  it("keeps each write with its offset since the start", () => {
    let clock = 1000;
    const capture = createChunkCapture(100, () => clock);
    clock = 1005;
    capture.push(bytes("data: a\n\n"));
    clock = 1250;
    capture.push(bytes("data: b\n\n"));
    const { chunks, truncated } = capture.result();
    expect(truncated).toBe(false);
    expect(chunks.map((c) => c.data)).toEqual(["data: a\n\n", "data: b\n\n"]);
    expect(chunks.map((c) => Number(c.offset?.seconds) * 1000 + c.offset!.nanos / 1e6)).toEqual([5, 250]);
  });

  it("completes a character split across two writes", () => {
    const capture = createChunkCapture(100, () => 0);
    const euro = bytes("€");
    capture.push(euro.subarray(0, 1));
    capture.push(euro.subarray(1));
    expect(capture.result().chunks.map((c) => c.data).join("")).toBe("€");
  });

  it("stops at the limit and says so", () => {
    const capture = createChunkCapture(10, () => 0);
    capture.push(bytes("123456"));
    capture.push(bytes("789012"));
    capture.push(bytes("3"));
    const { chunks, truncated } = capture.result();
    expect(chunks.map((c) => c.data)).toEqual(["123456"]);
    expect(truncated).toBe(true);
  });
});

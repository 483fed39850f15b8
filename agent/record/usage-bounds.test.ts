// A reply may report token counts no uint64 holds (1e20, counts whose sum is Infinity): the record
// still commits (counts capped at the uint64 maximum), and an exchange that cannot be encoded
// leaves the buffer as it was (no bytes counted as held for ever, its slot closed).
import { create, fromBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ExchangeSchema } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { openai } from "../providers/openai.js";
import { createExchangeBuffer } from "../stream/exchange-buffer.js";
import { startExchangeRecorder } from "./exchange-recorder.js";

const MAX = 2n ** 64n - 1n;

function record(usage: Record<string, number>) {
  const buffer = createExchangeBuffer(4, 1 << 20);
  const recorder = startExchangeRecorder({ id: "x", method: "POST", path: "/v1/chat/completions", slot: buffer.reserve()!, recordLimit: 1 << 20 });
  recorder.request(Buffer.from("{}"), { model: "m", stream: false });
  recorder.responseStart(openai, "application/json");
  recorder.responseChunk(Buffer.from(JSON.stringify({ id: "c", choices: [{ index: 0, message: { role: "assistant", content: "hi" } }], usage })));
  recorder.finish({ status: 200, verdict: 1 });
  return buffer;
}

describe("token counts past what a record holds", () => {
  it.each([
    [{ prompt_tokens: 1, completion_tokens: 2, total_tokens: 1e20 }, [1n, 2n, MAX]],
    [{ prompt_tokens: 1e308, completion_tokens: 1e308 }, [MAX, MAX, MAX]],
    [{ prompt_tokens: 2 ** 64, completion_tokens: 2 ** 64 - 2048, total_tokens: 3 }, [MAX, 2n ** 64n - 2048n, 3n]],
  ])("are capped and the record is kept: %j", (usage, [prompt, completion, total]) => {
    const buffer = record(usage);
    expect(buffer.held).toBe(1);
    const [taken] = buffer.takeUnsent(1);
    const recorded = fromBinary(ExchangeSchema, taken!.bytes).usage;
    expect([recorded?.promptTokens, recorded?.completionTokens, recorded?.totalTokens]).toEqual([prompt, completion, total]);
  });

  it("an exchange that cannot be encoded counts nothing as held", () => {
    const buffer = createExchangeBuffer(4, 1 << 20);
    const slot = buffer.reserve()!;
    expect(() => slot.commit(create(ExchangeSchema, { id: "bad", status: -1, requestBody: "x".repeat(1000) }))).toThrow();
    expect(buffer.heldBytes).toBe(0);
    expect(buffer.held).toBe(0);
    for (let index = 0; index < 4; index++) expect(buffer.reserve()).toBeDefined();
  });
});

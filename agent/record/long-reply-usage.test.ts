// A whole reply longer than the record's limit: the record keeps its first bytes (flagged cut) and
// still the usage the provider reported, which token limits settle to — a reply made long on purpose
// (many choices, long output) must not leave only the request's estimate charged.
import { fromBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ExchangeSchema } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { openai } from "../providers/openai.js";
import { createExchangeBuffer } from "../stream/exchange-buffer.js";
import { startExchangeRecorder } from "./exchange-recorder.js";
import { usageReadBytes } from "./response-reading.js";

const LIMIT = 1024;

function recorded(body: Buffer, feed: "chunks" | "whole") {
  const buffer = createExchangeBuffer(4, 64 << 20);
  const recorder = startExchangeRecorder({ id: "x", method: "POST", path: "/v1/chat/completions", slot: buffer.reserve()!, recordLimit: LIMIT });
  recorder.request(Buffer.from("{}"), { model: "m", stream: false });
  recorder.responseStart(openai, "application/json");
  if (feed === "whole") recorder.responseBody(body, body);
  else for (let at = 0; at < body.length; at += 700) recorder.responseChunk(body.subarray(at, at + 700));
  recorder.finish({ status: 200, verdict: 1 });
  const [taken] = buffer.takeUnsent(1);
  return fromBinary(ExchangeSchema, taken!.bytes);
}

const reply = (content: string) =>
  Buffer.from(JSON.stringify({ id: "c", choices: [{ index: 0, message: { role: "assistant", content } }], usage: { prompt_tokens: 7, completion_tokens: 90_000, total_tokens: 90_007 } }));

describe("a whole reply past the record's limit", () => {
  it.each(["chunks", "whole"] as const)("keeps its usage, its text cut (%s)", (feed) => {
    const exchange = recorded(reply("é".repeat(5000)), feed);
    expect(exchange.responseTruncated).toBe(true);
    expect(Buffer.byteLength(exchange.responseBody)).toBeLessThanOrEqual(LIMIT);
    expect(exchange.usage?.totalTokens).toBe(90_007n);
    expect(exchange.usage?.completionTokens).toBe(90_000n);
  });

  it("past what is kept to read it, the usage is unknown (the reservation stands)", () => {
    const exchange = recorded(reply("a".repeat(usageReadBytes)), "chunks");
    expect(exchange.responseTruncated).toBe(true);
    expect(exchange.usage).toBeUndefined();
  });
});

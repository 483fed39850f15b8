import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ConnectRequestSchema } from "../../gen/palisade/agent/v1/agent_pb.js";
import { ExchangeSchema, Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { exchangeBatchBytes } from "./control-stream.js";
import { createExchangeBuffer } from "./exchange-buffer.js";

describe("exchangeBatchBytes", () => {
  it("frames held encodings into the bytes toBinary writes for the same ConnectRequest", () => {
    const exchanges = [
      create(ExchangeSchema, { id: "a", requestBody: "é".repeat(300), status: 200, verdict: Verdict.MASKED }),
      create(ExchangeSchema, { id: "b", responseBody: "x".repeat(70_000), path: "/v1/chat/completions" }),
      create(ExchangeSchema, { id: "c" }),
    ];
    const buffer = createExchangeBuffer(10);
    for (const exchange of exchanges) buffer.reserve()?.commit(exchange);
    const framed = exchangeBatchBytes(buffer.takeUnsent(10));
    const expected = toBinary(ConnectRequestSchema, create(ConnectRequestSchema, { message: { case: "exchanges", value: { exchanges } } }));
    expect(Buffer.compare(framed, Buffer.from(expected))).toBe(0);
    const decoded = fromBinary(ConnectRequestSchema, framed);
    expect(decoded.message.case === "exchanges" && decoded.message.value.exchanges.map((e) => e.id)).toEqual(["a", "b", "c"]);
  });

  it("frames a batch past 2 MiB (four-byte lengths) and an empty one as toBinary does", () => {
    for (const exchanges of [Array.from({ length: 300 }, (_, i) => create(ExchangeSchema, { id: `e${i}`, responseBody: "y".repeat(10_000) })), []]) {
      const buffer = createExchangeBuffer(1000);
      for (const exchange of exchanges) buffer.reserve()?.commit(exchange);
      const framed = exchangeBatchBytes(buffer.takeUnsent(1000));
      const expected = toBinary(ConnectRequestSchema, create(ConnectRequestSchema, { message: { case: "exchanges", value: { exchanges } } }));
      expect(Buffer.compare(framed, Buffer.from(expected))).toBe(0);
    }
  });
});


import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ExchangeSchema } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { createExchangeBuffer } from "./exchange-buffer.js";

const exchange = (id: string) => create(ExchangeSchema, { id });
const ids = (list: { id: string }[]) => list.map((item) => item.id);

describe("createExchangeBuffer", () => {
  it("fails closed: refuses and counts reservations beyond capacity, reserved slots included", () => {
    const buffer = createExchangeBuffer(2);
    const first = buffer.reserve();
    const second = buffer.reserve();
    expect(first && second).toBeTruthy();
    expect(buffer.reserve()).toBeUndefined();
    expect(buffer.refusals).toBe(1);
    second?.release();
    expect(buffer.reserve()).toBeDefined();
  });

  it("holds committed exchanges until an ack names them", () => {
    const buffer = createExchangeBuffer(2);
    buffer.reserve()?.commit(exchange("a"));
    buffer.reserve()?.commit(exchange("b"));
    expect(buffer.reserve()).toBeUndefined();
    expect(ids(buffer.takeUnsent(10))).toEqual(["a", "b"]);
    expect(buffer.takeUnsent(10)).toEqual([]);
    expect(buffer.ack(["a", "unknown"])).toBe(1);
    expect(buffer.held).toBe(1);
    expect(buffer.reserve()).toBeDefined();
  });

  it("resends everything unacked after a reconnect, in order, in bounded batches", () => {
    const buffer = createExchangeBuffer(10);
    for (const id of ["a", "b", "c"]) buffer.reserve()?.commit(exchange(id));
    expect(ids(buffer.takeUnsent(2))).toEqual(["a", "b"]);
    buffer.ack(["a"]);
    buffer.resendAll();
    expect(ids(buffer.takeUnsent(10))).toEqual(["b", "c"]);
  });

  it("takes effect once per slot and notifies listeners", () => {
    const buffer = createExchangeBuffer(1);
    let changes = 0;
    buffer.onChange(() => changes++);
    const slot = buffer.reserve();
    slot?.commit(exchange("a"));
    slot?.commit(exchange("b"));
    slot?.release();
    expect(buffer.held).toBe(1);
    expect(changes).toBe(1);
  });
});

describe("takeUnsent byte budget", () => {
  it("stops a batch at the byte budget but always takes one", () => {
    const buffer = createExchangeBuffer(10);
    for (const id of ["a", "b", "c"]) buffer.reserve()?.commit(create(ExchangeSchema, { id, requestBody: "x".repeat(1000) }));
    expect(ids(buffer.takeUnsent(10, 100))).toEqual(["a"]);
    expect(ids(buffer.takeUnsent(10, 3500))).toEqual(["b", "c"]);
  });
});

describe("size bound", () => {
  it("refuses new requests once the exchanges held reach maxBytes, and admits again as ACKs free them", () => {
    const buffer = createExchangeBuffer(100, 5000);
    const big = (id: string) => create(ExchangeSchema, { id, requestBody: "x".repeat(2000), responseBody: "y".repeat(1000) });
    buffer.reserve()?.commit(big("a"));
    const inFlight = buffer.reserve(); // admitted while under the bound: it can always be recorded
    expect(buffer.heldBytes).toBe(3512);
    inFlight?.commit(big("b"));
    expect(buffer.heldBytes).toBe(7024);
    expect(buffer.reserve()).toBeUndefined();
    expect(buffer.refusals).toBe(1);
    buffer.ack(["a"]);
    expect(buffer.heldBytes).toBe(3512);
    expect(buffer.reserve()).toBeDefined();
  });
});

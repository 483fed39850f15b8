import { create, type DescMessage, equals, fromBinary, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, ValueSchema } from "@bufbuild/protobuf/wkt";
import { GetLogPublicKeyResponseSchema } from "../../gen/palisade/admin/v1/audit_log_service_pb.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FieldRulesSchema } from "../../gen/buf/validate/validate_pb.js";
import { ConnectRequestSchema, ConnectResponseSchema } from "../../gen/palisade/agent/v1/agent_pb.js";
import { ExchangeSchema, ResponseChunkSchema } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { allKindsSchema } from "./all-kinds-schema.js";
import { arbitraryMessage } from "./arbitrary-message.js";
import { compiledEncoder } from "./compiled-encoder.js";

function sameBytes(schema: DescMessage, runs: number, depth = 3) {
  const encode = compiledEncoder(schema);
  fc.assert(
    fc.property(arbitraryMessage(schema, { depth, longList: 20 }), (message) => {
      let expected: Uint8Array;
      try {
        expected = toBinary(schema, message);
      } catch (error) {
        // A proto2 required field left unset: both refuse.
        expect(() => encode(message as never)).toThrow((error as Error).message);
        return;
      }
      expect(Buffer.from(encode(message as never)).equals(expected)).toBe(true);
    }),
    { numRuns: runs },
  );
}

describe("compiledEncoder", () => {
  it("writes toBinary's bytes for any exchange record", () => {
    const encode = compiledEncoder(ExchangeSchema);
    fc.assert(
      fc.property(arbitraryMessage(ExchangeSchema), (exchange) => {
        const bytes = encode(exchange as never);
        expect(Buffer.from(bytes).equals(toBinary(ExchangeSchema, exchange as never))).toBe(true);
        fromBinary(ExchangeSchema, bytes); // decodes (lone surrogates as U+FFFD)
      }),
      { numRuns: 150 },
    );
  });

  it("round-trips exchange records with well-formed text", () => {
    const encode = compiledEncoder(ExchangeSchema);
    fc.assert(
      fc.property(arbitraryMessage(ExchangeSchema, { loneSurrogates: false, longList: 40 }), (exchange) => {
        expect(equals(ExchangeSchema, fromBinary(ExchangeSchema, encode(exchange as never)), exchange as never)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it("writes toBinary's bytes for oneofs, explicit presence, every scalar type, packed and unpacked lists", () => {
    sameBytes(allKindsSchema(), 100, 2); // proto3: every scalar type plain, optional, packed, in a oneof; maps
    sameBytes(ConnectRequestSchema, 60); // oneof of messages
    sameBytes(ConnectResponseSchema, 40);
    sameBytes(FieldRulesSchema, 60, 2); // proto2: every scalar type, optional, oneofs, unpacked lists
    sameBytes(FileDescriptorProtoSchema, 40, 3); // proto2 defaults on the prototype, packed int32 lists, recursion
    sameBytes(ValueSchema, 60, 3); // oneof with double and bool, Struct's map of Values (recursion)
  });

  it("writes a long streamed record's length prefixes at their final width", () => {
    const chunks = Array.from({ length: 261 }, (_, i) => create(ResponseChunkSchema, { data: `data: {"i":${i},"t":"${"é".repeat(i % 7)}${"x".repeat(150)}"}\n\n`, offset: { seconds: BigInt(i), nanos: i * 1000 } }));
    const exchange = create(ExchangeSchema, { id: "a", responseChunks: chunks, responseBody: "y".repeat(70_000) });
    expect(Buffer.from(compiledEncoder(ExchangeSchema)(exchange)).equals(toBinary(ExchangeSchema, exchange))).toBe(true);
  });

  it("writes a list's missing item as an empty message, as toBinary does", () => {
    const exchange = create(ExchangeSchema, { id: "a" });
    exchange.responseChunks = [undefined as never, create(ResponseChunkSchema, { data: "x" })];
    expect(Buffer.from(compiledEncoder(ExchangeSchema)(exchange)).equals(toBinary(ExchangeSchema, exchange))).toBe(true);
  });

  it("refuses what it would encode wrongly", () => {
    // A Struct field (held as a JSON object) refused, twice: no half-built plan stays.
    expect(() => compiledEncoder(GetLogPublicKeyResponseSchema)).toThrow(/Struct field/);
    expect(() => compiledEncoder(GetLogPublicKeyResponseSchema)).toThrow(/Struct field/);
    expect(() => compiledEncoder(allKindsSchema("Wrapped"))).toThrow(/wrapper field/);
    const encode = compiledEncoder(ExchangeSchema);
    expect(() => encode(create(ExchangeSchema, { status: -1 }))).toThrow(/palisade.agent.v1.Exchange.status/);
    expect(() => encode({ ...create(ExchangeSchema), $typeName: "other.Message" } as never)).toThrow(/cannot encode message/);
    expect(() => encode(create(ExchangeSchema, { id: 1 as never }))).toThrow(/invalid string/);
  });
});

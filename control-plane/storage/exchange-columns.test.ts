// A stream's writes as a row stores them (response_writes) against what the jsonb form held before
// (an object per write, the offset summed as a bigint, JSON.stringify, U+0000 replaced), kept here
// as the reference: decoded, the writes are that JSON's objects.
import { create } from "@bufbuild/protobuf";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ExchangeSchema, RecordedBodies } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { EXCHANGE_COLUMNS, exchangeValues } from "./exchange-columns.js";
import { decodeWrites } from "./response-writes.js";

const CHUNKS = EXCHANGE_COLUMNS.indexOf("response_chunks");
const WRITES = EXCHANGE_COLUMNS.indexOf("response_writes");

function reference(chunks: readonly { seconds: bigint; nanos: number; data: string }[]): string {
  const stored = chunks.map((chunk) => ({ ns: Number(chunk.seconds * 1_000_000_000n + BigInt(chunk.nanos)), data: chunk.data }));
  const text = JSON.stringify(stored);
  if (!text.includes("\\u0000")) return text;
  return JSON.stringify(stored, (_key, member: unknown) => (typeof member === "string" ? member.replaceAll("\u0000", "\uFFFD") : member));
}

const seconds = fc.oneof(
  fc.bigInt({ min: -10n, max: 100n }),
  fc.bigInt({ min: -9_000_001n, max: -8_999_999n }), fc.bigInt({ min: 8_999_999n, max: 9_000_001n }),
  fc.bigInt({ min: 9_000_000n, max: 2n ** 40n }).map((s) => -s), fc.bigInt({ min: 9_000_000n, max: 2n ** 40n }),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
);
const chunk = fc.record({
  seconds,
  nanos: fc.oneof(fc.integer({ min: 0, max: 999_999_999 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
  // Strings as the wire gives them (protobuf decodes UTF-8: no lone surrogates).
  data: fc.oneof(fc.string({ unit: "grapheme", maxLength: 30 }), fc.constantFrom("data: {\"a\":\"\\\"\"}\n\n", "\u0000", "a\u0000b", "😀", "")),
});

describe("response_writes column", () => {
  it("are the objects the jsonb form held, U+0000 replaced", () => {
    fc.assert(fc.property(fc.array(chunk, { minLength: 1, maxLength: 8 }), fc.boolean(), (chunks, noOffset) => {
      const exchange = create(ExchangeSchema, {
        id: "s", recordedBodies: RecordedBodies.RAW,
        responseChunks: chunks.map((c, i) => ({ offset: noOffset && i === 0 ? undefined : { seconds: c.seconds, nanos: c.nanos }, data: c.data })),
      });
      const expected = reference(chunks.map((c, i) => (noOffset && i === 0 ? { ...c, seconds: 0n, nanos: 0 } : c)));
      for (const binary of [true, false]) {
        const values = exchangeValues("edge", exchange, new Date(), binary);
        expect(values[CHUNKS]).toBeNull();
        expect(decodeWrites(values[WRITES] as Buffer)).toEqual(JSON.parse(expected));
      }
    }), { numRuns: 2000 });
  });
});

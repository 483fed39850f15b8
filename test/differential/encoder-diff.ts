// Differential harness, record encoding: Exchange messages with adversarial values through
// protobuf-es's toBinary (the reference's encoder) and the compiled encoder; bytes and throws compared.
import fc from "fast-check";

import { NEW, REF } from "./builds.js";

// The reference's protobuf-es (its toBinary is what the reference encoded with) and the build's encoder.
const REF_ROOT = `${REF}/..`;
// biome-ignore lint/suspicious/noExplicitAny: modules of two builds, loaded by path
type Any = any;
const pb: Any = await import(`${REF_ROOT}/node_modules/@bufbuild/protobuf/dist/esm/index.js`);
const wkt: Any = await import(`${REF_ROOT}/node_modules/@bufbuild/protobuf/dist/esm/wkt/index.js`);
const gen: Any = await import(`${NEW}/gen/palisade/agent/v1/exchange_pb.js`);
const { compiledEncoder }: Any = await import(`${NEW}/core/protobuf/compiled-encoder.js`);
const encode = compiledEncoder(gen.ExchangeSchema);

const unit = fc.constantFrom("a", "é", "€", "😀", "\ud800", "\udc00", "\u0000", "\u007f", "\u0080", "\u07ff", "\u0800", "\uffff", "\ud83d", "\ude00", "\n");
const str = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.array(unit, { maxLength: 30 }).map((a) => a.join("")),
  fc.integer({ min: 20, max: 30 }).chain((n) => fc.array(unit, { minLength: n, maxLength: n }).map((a) => a.join(""))),
  fc.string({ maxLength: 3 }).map((s) => s + "x".repeat(200)),
);
const u64 = fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.constantFrom(0n, 1n, (1n << 32n) - 1n, 1n << 32n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n));
const i64 = fc.oneof(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), fc.constantFrom(0n, -1n, 1n, -(1n << 31n), 1n << 32n, -(1n << 63n)));
const i32 = fc.oneof(fc.integer(), fc.constantFrom(0, -1, 1, 127, 128, -2147483648, 2147483647));
const u32 = fc.oneof(fc.nat(), fc.constantFrom(0, 1, 127, 128, 16383, 16384, 4294967295));
const duration = fc.record({ seconds: i64, nanos: i32 }, { requiredKeys: [] });
const exchange = fc.record(
  {
    id: str, connection: str, method: str, path: str, model: str, stream: fc.boolean(), status: u32, verdict: fc.oneof(fc.integer({ min: 0, max: 6 }), i32), reason: str,
    requestBody: str, responseBody: str, requestTruncated: fc.boolean(), responseTruncated: fc.boolean(), error: str, agent: str, policy: str, reviewId: str, agentInstance: str,
    recordedBodies: fc.oneof(fc.integer({ min: 0, max: 3 }), i32),
    identity: fc.record({ subject: str, email: str, groups: fc.array(str, { maxLength: 4 }), issuer: str }, { requiredKeys: [] }),
    usage: fc.record({ promptTokens: u64, completionTokens: u64, totalTokens: u64, cachedTokens: u64 }, { requiredKeys: [] }),
    startedAt: duration, timeToFirstByte: duration, duration,
    findings: fc.array(fc.record({ detector: str, location: str, count: u32 }, { requiredKeys: [] }), { maxLength: 4 }),
    responseChunks: fc.array(fc.record({ offset: fc.option(duration, { nil: undefined }), data: str }, { requiredKeys: [] }), { maxLength: 6 }),
    maskPolicies: fc.array(str, { maxLength: 4 }),
  },
  { requiredKeys: [] },
);

function build(init: Record<string, unknown>) {
  const { identity, usage, startedAt, timeToFirstByte, duration, findings, responseChunks, ...rest } = init as Record<string, never>;
  const message = pb.create(gen.ExchangeSchema, rest);
  if (identity) message.identity = pb.create(gen.IdentitySchema, identity);
  if (usage) message.usage = pb.create(gen.UsageSchema, usage);
  if (startedAt) message.startedAt = pb.create(wkt.TimestampSchema, startedAt);
  if (timeToFirstByte) message.timeToFirstByte = pb.create(wkt.DurationSchema, timeToFirstByte);
  if (duration) message.duration = pb.create(wkt.DurationSchema, duration);
  if (findings) message.findings = (findings as never[]).map((f) => pb.create(gen.MaskFindingSchema, f));
  if (responseChunks) message.responseChunks = (responseChunks as { offset?: unknown; data?: string }[]).map(({ offset, data }) => pb.create(gen.ResponseChunkSchema, { data, ...(offset ? { offset: pb.create(wkt.DurationSchema, offset as never) } : {}) }));
  return message;
}

const show = (f: () => Uint8Array) => {
  try {
    return Buffer.from(f()).toString("hex");
  } catch (error) {
    return `THROW ${(error as Error).message}`;
  }
};
let tried = 0;
let differences = 0;
for (const init of fc.sample(exchange, { numRuns: Number(process.env.RUNS ?? 3000), seed: Number(process.env.SEED ?? 1) })) {
  const message = build(init);
  const variants = [message];
  // Unknown fields kept from a parse (an agent never has them, but the encoder claims toBinary's bytes).
  const withUnknown = pb.fromBinary(gen.ExchangeSchema, new Uint8Array([...pb.toBinary(gen.ExchangeSchema, message), 0xf8, 0x07, 0x05, 0xa2, 0x06, 0x01, 0x41]));
  variants.push(withUnknown);
  for (const m of variants) {
    tried++;
    const a = show(() => pb.toBinary(gen.ExchangeSchema, m));
    const b = show(() => encode(m));
    if (a !== b && !(a.startsWith("THROW") && b.startsWith("THROW"))) {
      differences++;
      if (differences <= 10) console.log(`DIFF ${JSON.stringify(init, (_, v) => (typeof v === "bigint" ? `${v}n` : v)).slice(0, 800)}\n  ${a.slice(0, 300)}\n  ${b.slice(0, 300)}`);
    }
  }
}
console.log(`tried ${tried}, differences ${differences}`);

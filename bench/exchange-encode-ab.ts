// In-process A/B of encoding an exchange record: protobuf-es `toBinary` against the compiled encoder
// (core/protobuf/compiled-encoder.ts), on a small request's record and a 261-chunk streamed reply's.
// Interleaved batches (the order alternating each round), thread CPU time per encode, medians with
// p25–p75 and the median of paired ratios; then heap and ArrayBuffer bytes allocated per encode
// (between two forced GCs, no GC in between). Not one of `npm run bench`'s benches:
//   node --expose-gc node_modules/.bin/tsx bench/exchange-encode-ab.ts
import { create, toBinary } from "@bufbuild/protobuf";
import { compiledEncoder } from "../core/protobuf/compiled-encoder.js";
import { type Exchange, ExchangeSchema, RecordedBodies, Verdict } from "../gen/palisade/agent/v1/exchange_pb.js";

const prompt = JSON.stringify({
  model: "gpt-4o-mini",
  messages: [
    { role: "system", content: "You are a careful analyst. Answer briefly and cite the figures you rely on." },
    { role: "user", content: `Summarise the quarter's risks for the north region. ${"Renewals slipped in three accounts, two of them large. ".repeat(14)}` },
  ],
});
const base = { id: "chatcmpl-bench", object: "chat.completion.chunk", created: 0, model: "gpt-4o-mini", system_fingerprint: null };
const sse = (delta: object, finish: string | null) => `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;

function record(streamed: boolean): Exchange {
  const chunks = streamed
    ? [sse({ role: "assistant", content: "" }, null), ...Array.from({ length: 259 }, (_, i) => sse({ content: ` tok${i}` }, null)), sse({}, "stop") + "data: [DONE]\n\n"]
    : [];
  return create(ExchangeSchema, {
    id: "0f9c2d4e-8a51-4c7b-9d0e-3b6a1f2c5e77",
    connection: "openai",
    identity: { subject: "u-1842", email: "ana.silva@example.com", groups: ["analysts", "north"], issuer: "https://idp.example.com" },
    method: "POST",
    path: "/v1/chat/completions",
    model: "gpt-4o-mini",
    stream: streamed,
    status: 200,
    verdict: Verdict.ALLOWED,
    requestBody: streamed ? prompt.replace('"gpt-4o-mini",', '"gpt-4o-mini","stream":true,') : prompt,
    responseBody: streamed
      ? Array.from({ length: 259 }, (_, i) => ` tok${i}`).join("")
      : JSON.stringify({ ...base, object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "Noted: the main risks are the late renewals in the north.", refusal: null }, logprobs: null, finish_reason: "stop" }], usage: { prompt_tokens: 420, completion_tokens: 12, total_tokens: 432 } }),
    usage: { promptTokens: 420n, completionTokens: streamed ? 259n : 12n, totalTokens: streamed ? 679n : 432n },
    startedAt: { seconds: 1_796_000_000n, nanos: 123_000_000 },
    timeToFirstByte: { nanos: 2_400_000 },
    duration: { seconds: streamed ? 1n : 0n, nanos: 4_100_000 },
    policy: "default-allow",
    recordedBodies: RecordedBodies.RAW,
    responseChunks: chunks.map((data, i) => ({ offset: { nanos: 2_400_000 + i * 3_900_000 }, data })),
  });
}

const encode = compiledEncoder(ExchangeSchema);
const variants: [string, (exchange: Exchange) => Uint8Array][] = [
  ["toBinary", (exchange) => toBinary(ExchangeSchema, exchange)],
  ["compiled", encode],
];

const cpuMicros = () => {
  const { user, system } = process.threadCpuUsage();
  return user + system;
};
const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.floor(q * (values.length - 1))]!;
let sink = 0;

function timeBatch(fn: (exchange: Exchange) => Uint8Array, exchange: Exchange, n: number): number {
  const start = cpuMicros();
  for (let i = 0; i < n; i++) sink += fn(exchange).length;
  return (cpuMicros() - start) / n;
}

function allocated(fn: (exchange: Exchange) => Uint8Array, exchange: Exchange, n: number): { heap: number; buffers: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return { heap: Number.NaN, buffers: Number.NaN };
  gc();
  const before = process.memoryUsage();
  const kept: Uint8Array[] = [];
  for (let i = 0; i < n; i++) kept.push(fn(exchange));
  const after = process.memoryUsage();
  sink += kept.length;
  return { heap: (after.heapUsed - before.heapUsed) / n, buffers: (after.arrayBuffers - before.arrayBuffers) / n };
}

for (const [name, exchange, batch] of [["small request", record(false), 2000], ["261-chunk stream", record(true), 100]] as const) {
  const bytes = encode(exchange);
  if (!Buffer.from(bytes).equals(toBinary(ExchangeSchema, exchange))) throw new Error("bytes differ");
  for (const [, fn] of variants) timeBatch(fn, exchange, batch * 3); // warm up
  const times: number[][] = [[], []];
  for (let round = 0; round < 60; round++) {
    const order = round % 2 === 0 ? [0, 1] : [1, 0];
    for (const v of order) times[v]!.push(timeBatch(variants[v]![1], exchange, batch));
  }
  const ratios = times[1]!.map((t, i) => t / times[0]![i]!);
  console.log(`${name}: ${bytes.length} bytes`);
  for (const [v, [label, fn]] of variants.entries()) {
    const t = times[v]!;
    const a = allocated(fn, exchange, name === "small request" ? 200 : 20);
    console.log(`  ${label.padEnd(9)} ${quantile(t, 0.5).toFixed(2)} µs (p25–p75 ${quantile(t, 0.25).toFixed(2)}–${quantile(t, 0.75).toFixed(2)}); heap ${a.heap.toFixed(0)} B, ArrayBuffers ${a.buffers.toFixed(0)} B per encode`);
  }
  console.log(`  compiled/toBinary median paired ratio ${quantile(ratios, 0.5).toFixed(3)} (p25–p75 ${quantile(ratios, 0.25).toFixed(3)}–${quantile(ratios, 0.75).toFixed(3)})`);
}
if (sink === 0) console.log("");

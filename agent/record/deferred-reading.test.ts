// The recorder reads a written piece for the record after the write has left (setImmediate), or at
// finish: whenever that happens, the record is the one reading each piece at once would make. The
// chunk capture keeps the written bytes and decodes them at the end: the same messages as decoding
// each write as it came (the capture's former way, kept here as the reference).
import { create, toBinary } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Exchange, ExchangeSchema, type ResponseChunk, ResponseChunkSchema, Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import type { RecordChoice } from "../../core/policy/protection-rules.js";
import { anthropic } from "../providers/anthropic.js";
import { generic } from "../providers/generic.js";
import { openai } from "../providers/openai.js";
import type { ProviderSpec } from "../providers/provider.js";
import { createChunkCapture } from "./chunk-capture.js";
import { startExchangeRecorder } from "./exchange-recorder.js";

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

const chat = (content: string) => `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
const usage = `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } })}\n\ndata: [DONE]\n\n`;

interface Step {
  /** A piece written (bytes of the stream between `from` and `to`), then maybe a turn of the loop. */
  cut: number;
  wait: boolean;
  tick: number;
}

/** The record of `text` written in the pieces `steps` cut, with turns of the event loop where they say. */
async function recorded(provider: ProviderSpec, contentType: string, text: string, steps: Step[], mode: RecordChoice, refuseAfter: boolean, waits: boolean, modeAfter?: RecordChoice): Promise<Exchange> {
  let committed: Exchange | undefined;
  let clock = 1_000;
  const rec = startExchangeRecorder({ id: "x", method: "POST", path: "/v1/chat/completions", slot: { commit: (exchange) => (committed = exchange), release: () => {} }, recordLimit: 300, now: () => clock });
  rec.protection({ record: mode, masks: [] });
  rec.responseStart(provider, contentType);
  const bytes = Buffer.from(text);
  const cuts = [...new Set(steps.map((step) => step.cut % (bytes.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const [index, to] of [...cuts, bytes.length].entries()) {
    const piece = Buffer.from(bytes.subarray(from, to)); // a buffer of its own, as a relay's write is
    from = to;
    rec.firstByte();
    rec.responseChunk(piece);
    clock += steps[index]?.tick ?? 1;
    if (waits && steps[index]?.wait) await turn();
    // The record mode chosen only now (as the answer to a held request may be): it holds from here.
    if (index === 0 && modeAfter) rec.protection({ record: modeAfter, masks: [] });
  }
  // An answer cut by the agent ends as its own refusal, read by a reading of its own.
  if (refuseAfter) rec.refusal(Buffer.from('{"error":{"message":"cut"}}'), provider);
  rec.finish({ status: 200, verdict: Verdict.ALLOWED });
  return committed!;
}

describe("reading written pieces after the write", () => {
  it("records the same whether the pieces are read between turns of the event loop or at finish (property)", async () => {
    const stream = fc.array(fc.constantFrom(chat("Hel"), chat("lo €"), chat(" wörld 😀"), usage, ": keep-alive\n\n", "data: {\"x\":1}\n\n", "event: e\ndata: x\n\n"), { minLength: 1, maxLength: 12 }).map((events) => events.join(""));
    const step = fc.record({ cut: fc.nat(), wait: fc.boolean(), tick: fc.integer({ min: 0, max: 3 }) });
    const kinds: [ProviderSpec, string][] = [[openai, "text/event-stream"], [anthropic, "text/event-stream"], [generic, "text/event-stream"], [openai, "application/json"]];
    await fc.assert(
      fc.asyncProperty(stream, fc.array(step, { maxLength: 10 }), fc.constantFrom<RecordChoice>("masked", "raw", "none"), fc.boolean(), fc.constantFrom(...kinds), fc.option(fc.constantFrom<RecordChoice>("raw", "none")), async (text, steps, mode, refuse, [provider, type], modeAfter) => {
        const atFinish = await recorded(provider, type, text, steps, mode, refuse, false, modeAfter ?? undefined);
        const between = await recorded(provider, type, text, steps, mode, refuse, true, modeAfter ?? undefined);
        expect(between).toEqual(atFinish);
      }),
      { numRuns: 150 },
    );
  });

  it("reads a piece only after the turn its write leaves in, and all of them by finish", async () => {
    let committed: Exchange | undefined;
    const rec = startExchangeRecorder({ id: "x", method: "POST", path: "/p", slot: { commit: (exchange) => (committed = exchange), release: () => {} }, recordLimit: 1000, now: () => 0 });
    rec.responseStart(openai, "text/event-stream");
    rec.responseChunk(Buffer.from(chat("Hi")));
    rec.responseChunk(Buffer.from(chat(" there")));
    await turn();
    rec.responseChunk(Buffer.from(usage));
    rec.finish({ status: 200, verdict: Verdict.ALLOWED });
    expect(committed).toMatchObject({ responseBody: "Hi there", usage: { totalTokens: 7n } });
    expect(committed!.responseChunks).toHaveLength(3);
  });
});

/** The capture as it was: each write decoded (streaming) and made a message when pushed. */
function referenceCapture(limit: number, now: () => number) {
  const startedAt = now();
  const decoder = new TextDecoder("utf-8", { fatal: false });
  const chunks: ResponseChunk[] = [];
  let kept = 0;
  let truncated = false;
  return {
    push(chunk: Uint8Array) {
      if (truncated || chunk.length === 0) return;
      if (kept + chunk.length > limit) {
        truncated = true;
        return;
      }
      kept += chunk.length;
      chunks.push(create(ResponseChunkSchema, { offset: durationFromMs(now() - startedAt), data: decoder.decode(chunk, { stream: true }) }));
    },
    result() {
      const rest = truncated ? "" : decoder.decode();
      if (rest && chunks.length > 0) chunks.at(-1)!.data += rest;
      return { chunks, truncated };
    },
  };
}

describe("chunk capture", () => {
  it("makes the messages decoding each write as it came made, for any bytes, cuts and limit (property)", () => {
    const text = fc.array(fc.constantFrom("a", "data: x\n\n", "é", "€", "😀", "\uFEFF", "\r\n"), { maxLength: 20 }).map((parts) => Buffer.from(parts.join("")));
    const bytes = fc.oneof(text, fc.uint8Array({ maxLength: 40 }).map((array) => Buffer.from(array)));
    fc.assert(
      fc.property(bytes, fc.array(fc.nat(), { maxLength: 8 }), fc.integer({ min: 0, max: 60 }), fc.array(fc.oneof(fc.integer({ min: 0, max: 2_500 }), fc.integer({ min: 0, max: 4_000_000_000 }), fc.constantFrom(-1_500, -1, 0.25, 999.5, 1e-7)), { maxLength: 9 }), (whole, cutsAt, limit, ticks) => {
        const cuts = [...new Set(cutsAt.map((cut) => cut % (whole.length + 1)))].sort((a, b) => a - b);
        let clock = 500;
        const now = () => clock;
        const capture = createChunkCapture(limit, now);
        const reference = referenceCapture(limit, now);
        let from = 0;
        for (const [index, to] of [...cuts, whole.length].entries()) {
          const piece = whole.subarray(from, to);
          from = to;
          clock += ticks[index] ?? 1;
          capture.push(piece);
          reference.push(piece);
        }
        // Strictly: the messages the encoder gets are the same objects' shapes (plain, same keys),
        // and the record they make is the same bytes.
        const got = capture.result();
        const expected = reference.result();
        expect(got).toStrictEqual(expected);
        const bytes = (chunks: ResponseChunk[]) => toBinary(ExchangeSchema, create(ExchangeSchema, { responseChunks: chunks }));
        // (A clock giving fractions of a millisecond makes nanos no int32 can hold, either way: the agent's is Date.now.)
        if (ticks.every(Number.isInteger)) expect(bytes(got.chunks)).toEqual(bytes(expected.chunks));
      }),
      { numRuns: 1000 },
    );
  });
});

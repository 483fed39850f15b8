import { describe, expect, it } from "vitest";
import { Verdict, type Exchange } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { generic } from "../providers/generic.js";
import { compileDetectors } from "../../core/detectors/compile-detectors.js";
import { openai } from "../providers/openai.js";
import { startExchangeRecorder } from "./exchange-recorder.js";

function recorder(recordLimit = 1000) {
  const committed: Exchange[] = [];
  let clock = 1_000;
  const slot = { commit: (exchange: Exchange) => committed.push(exchange), release: () => {} };
  const rec = startExchangeRecorder({ id: "id-1", method: "POST", path: "/v1/chat/completions", slot, recordLimit, now: () => clock });
  return { rec, committed, tick: (ms: number) => void (clock += ms) };
}

const bytes = (text: string) => Buffer.from(text);

describe("startExchangeRecorder", () => {
  it("reassembles a stream split mid-event and keeps its usage and timings", () => {
    const { rec, committed, tick } = recorder();
    rec.request(bytes('{"model":"m","stream":true}'), { model: "m", stream: true });
    tick(10);
    rec.responseStart(openai, "text/event-stream; charset=utf-8");
    const sse = [
      `data: ${JSON.stringify({ choices: [{ delta: { content: "Hel" } }] })}\n\n`,
      `data: ${JSON.stringify({ choices: [{ delta: { content: "lo" } }] })}\n\n`,
      `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } })}\n\ndata: [DONE]\n\n`,
    ].join("");
    rec.firstByte();
    for (let at = 0; at < sse.length; at += 7) {
      rec.responseChunk(bytes(sse.slice(at, at + 7)));
      tick(1);
    }
    rec.finish({ status: 200, verdict: Verdict.ALLOWED });
    rec.finish({ status: 500, verdict: Verdict.FAILED });

    expect(committed).toHaveLength(1);
    expect(committed[0]).toMatchObject({
      id: "id-1",
      model: "m",
      stream: true,
      status: 200,
      verdict: Verdict.ALLOWED,
      responseBody: "Hello",
      usage: { promptTokens: 1n, completionTokens: 2n, totalTokens: 3n },
      timeToFirstByte: { nanos: 10_000_000 },
      duration: { nanos: (10 + Math.ceil(sse.length / 7)) * 1_000_000 },
    });
    // Every write to the caller, with its offset since the response started, for replay.
    const writes = committed[0]!.responseChunks;
    expect(writes.map((w) => w.data).join("")).toBe(sse);
    expect(writes.map((w) => w.offset!.nanos / 1e6)).toEqual(writes.map((_, i) => i));
  });

  it("reads usage from a JSON body, a body cut at the record limit included, and flags the cut", () => {
    const { rec, committed } = recorder(20);
    rec.request(bytes("x".repeat(25)), { model: "", stream: false });
    rec.responseStart(openai, "application/json");
    rec.responseChunk(bytes(JSON.stringify({ usage: { prompt_tokens: 1, completion_tokens: 1 } })));
    rec.finish({ status: 200, verdict: Verdict.ALLOWED });
    expect(committed[0]).toMatchObject({ requestBody: "x".repeat(20), requestTruncated: true, responseTruncated: true });
    expect(committed[0]?.usage).toMatchObject({ promptTokens: 1n, completionTokens: 1n }); // a cut body is still read whole for its usage

    const small = recorder();
    small.rec.responseStart(openai, "application/json");
    small.rec.responseChunk(bytes(JSON.stringify({ usage: { prompt_tokens: 4, completion_tokens: 5 } })));
    small.rec.finish({ status: 200, verdict: Verdict.ALLOWED });
    expect(small.committed[0]?.usage).toMatchObject({ promptTokens: 4n, completionTokens: 5n, totalTokens: 9n });
  });

  it("records a generic provider's stream raw", () => {
    const { rec, committed } = recorder();
    rec.responseStart(generic, "text/event-stream");
    rec.responseChunk(bytes("data: anything\n\n"));
    rec.finish({ status: 200, verdict: Verdict.ALLOWED });
    expect(committed[0]).toMatchObject({ responseBody: "data: anything\n\n", stream: true });
  });

  it("keeps a stream's writes for replay only where the control plane stores them", () => {
    const rule = { policy: "mask-pii", detectors: compileDetectors({ builtins: ["email"], patterns: [], words: [] }), direction: "both" as const, style: "redact" as const, restore: false };
    const sse = `data: ${JSON.stringify({ choices: [{ delta: { content: "Hi" } }] })}\n\n`;
    const writes = (record: "raw" | "masked" | "none", masks: (typeof rule)[]) => {
      const { rec, committed } = recorder();
      rec.protection({ record, masks });
      rec.responseStart(openai, "text/event-stream");
      rec.responseChunk(bytes(sse), bytes(sse));
      rec.finish({ status: 200, verdict: Verdict.ALLOWED });
      return committed[0]!.responseChunks.map((chunk) => chunk.data).join("");
    };
    expect(writes("raw", [rule])).toBe(sse);
    expect(writes("masked", [])).toBe(sse);
    // What the caller got may hold restored values: neither captured nor sent (the control plane would drop them).
    expect(writes("masked", [rule])).toBe("");
    expect(writes("none", [rule])).toBe("");
  });
});


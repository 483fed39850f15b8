// The last reply stream (with its session) and the last record reading stay alive until the next
// one is made, and no longer (last-kept.ts: V8 keeps the masker's optimized code while an object of
// each of its maps lives); keeping one changes nothing a later stream writes.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileDetectors } from "../../core/detectors/compile-detectors.js";
import type { MaskRule } from "../../core/detectors/mask-types.js";
import { openai } from "../providers/openai.js";
import { readStream } from "../record/response-reading.js";
import { createMaskSession } from "./mask-session.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
// A WeakRef's target is held until the current job ends: the collection runs in a later one.
const collect = async () => {
  await new Promise((resolve) => setImmediate(resolve));
  gc();
};

const rules: MaskRule[] = [{ policy: "pii", detectors: compileDetectors({ builtins: ["email", "phone", "payment-card", "secrets"], patterns: [], words: [] }), direction: "both", style: "redact", restore: false }];
const base = { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1733000000, model: "gpt-4o-mini", system_fingerprint: null };
const chunk = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
const sse = (pieces: string[]) => Buffer.from(chunk({ role: "assistant", content: "" }) + pieces.map((piece) => chunk({ content: piece })).join("") + chunk({}, "stop") + "data: [DONE]\n\n");

/** A session whose stream read `body` whole, referenced only weakly. */
function streamed(body: Buffer): WeakRef<object> {
  const session = createMaskSession("openai", "/v1/chat/completions", rules);
  const stream = session.responseStream();
  stream.push(body);
  stream.end();
  return new WeakRef(session);
}

/** A record reading of `body`, referenced only weakly. */
function read(body: Buffer): WeakRef<object> {
  const reading = readStream(openai, 1024 * 1024)!;
  reading.chunk(body);
  reading.result(1024 * 1024);
  return new WeakRef(reading);
}

describe("the last one kept", () => {
  it("keeps a session's last reply stream (and the session) alive until the next stream, then lets it go", async () => {
    const body = sse([" Hello", " there"]);
    const first = streamed(body);
    await collect();
    expect(first.deref()).toBeDefined();
    const second = streamed(body);
    await collect();
    expect(first.deref()).toBeUndefined();
    expect(second.deref()).toBeDefined();
  });

  it("keeps the last record reading of a stream alive until the next one, then lets it go", async () => {
    const body = sse([" Hello"]);
    const first = read(body);
    await collect();
    expect(first.deref()).toBeDefined();
    read(body);
    await collect();
    expect(first.deref()).toBeUndefined();
  });

  it("changes nothing a later stream writes: the same bytes at every push as a stream read before any was kept", () => {
    const piece = fc.constantFrom(" tok", " a@b.example", " jane.doe@", "example.com", " 4111 1111", " 1111 1111", " +1 415", " 555 0100", " ", ".");
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 4 }), (pieces, cuts) => {
        const body = sse(pieces);
        const at = [...new Set(cuts.map((cut) => cut % body.length))].sort((a, b) => a - b);
        const play = () => {
          const stream = createMaskSession("openai", "/v1/chat/completions", rules).responseStream();
          const out: string[] = [];
          let from = 0;
          for (const cut of [...at, body.length]) {
            const part = stream.push(body.subarray(from, cut));
            out.push(part.client.toString(), part.record.toString());
            from = cut;
          }
          const end = stream.end();
          out.push(end.client.toString(), end.record.toString());
          return out;
        };
        const first = play(); // with whatever stream an earlier run kept
        expect(play()).toEqual(first); // with `first`'s stream kept
      }),
      { numRuns: 60 },
    );
  });
});

// The recorder reads a masked stream's events from the JSON the masker parsed (parsed-events.ts):
// the record is the same as when it parses every event itself, for both record modes (the caller's
// restored text in raw, the placeholders in masked), in any chunking; a value is taken only for
// exactly the data it was listed with. A whole JSON body the masker parsed is recorded from its parse
// the same way (text and truncation; its usage even when the text is cut).
import { describe, expect, it } from "vitest";
import { Verdict, type Exchange } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { createMaskSession } from "../masking/mask-session.js";
import { anthropicStream, chatStream, responsesStream } from "../masking/sse-fixtures.js";
import { pseudonymRule } from "../masking/test-rules.js";
import { anthropic } from "../providers/anthropic.js";
import { openai } from "../providers/openai.js";
import type { ProviderSpec } from "../providers/provider.js";
import { createParsedLookup } from "../sse/parsed-events.js";
import { startExchangeRecorder } from "./exchange-recorder.js";

const EMAIL = "jane.doe@example.com";
const TEXT = `Mail <EMAIL_1> or ${EMAIL}, thanks.`; // <EMAIL_1> is restored for the caller, the other masked

function record(provider: ProviderSpec, sse: string, size: number, mode: "masked" | "raw", share: boolean): Exchange {
  const session = createMaskSession(provider.name, "/v1/x", [pseudonymRule()]);
  session.maskRequest(Buffer.from(JSON.stringify({ messages: [{ role: "user", content: EMAIL }] })));
  const stream = session.responseStream();
  let committed: Exchange | undefined;
  const rec = startExchangeRecorder({ id: "x", method: "POST", path: "/v1/x", slot: { commit: (exchange) => (committed = exchange), release: () => {} }, recordLimit: 100_000, now: () => 0 });
  rec.protection({ record: mode, masks: [], session });
  rec.responseStart(provider, "text/event-stream");
  const bytes = Buffer.from(sse);
  const outs = [];
  for (let at = 0; at < bytes.length; at += size) outs.push(stream.push(bytes.subarray(at, at + size)));
  outs.push(stream.end());
  for (const out of outs) rec.responseChunk(out.client, out.record, share ? out.parsed : undefined);
  rec.finish({ status: 200, verdict: Verdict.ALLOWED });
  return committed!;
}

describe("recording from the masker's parsed events", () => {
  const cases: [ProviderSpec, string][] = [[openai, chatStream(TEXT)], [openai, responsesStream(TEXT)], [anthropic, anthropicStream(TEXT)]];
  for (const [provider, sse] of cases) {
    it(`${provider.name} ${sse.slice(0, 30).split("\n")[0]}…: the same record as parsing every event`, () => {
      for (const mode of ["masked", "raw"] as const) {
        for (const size of [5, 64, 100_000]) {
          const shared = record(provider, sse, size, mode, true);
          expect(shared).toEqual(record(provider, sse, size, mode, false));
          expect(shared.responseBody).toContain(mode === "raw" ? "Mail jane.doe@example.com" : "Mail <EMAIL_1>");
        }
      }
    });
  }
});

describe("recording a whole body from the masker's parse", () => {
  function whole(body: string, share: boolean, limit: number, mode: "masked" | "raw" | "none"): Exchange {
    const session = createMaskSession("openai", "/v1/chat/completions", [pseudonymRule()]);
    const out = session.maskResponse(Buffer.from(body), "application/json");
    let committed: Exchange | undefined;
    const rec = startExchangeRecorder({ id: "x", method: "POST", path: "/v1/x", slot: { commit: (exchange) => (committed = exchange), release: () => {} }, recordLimit: limit, now: () => 0 });
    rec.protection({ record: mode, masks: [], session });
    rec.responseStart(openai, "application/json");
    rec.responseBody(out.client, out.record, share ? out.parsed : undefined);
    rec.finish({ status: 200, verdict: Verdict.ALLOWED });
    return committed!;
  }

  it("keeps the same text, truncation and usage as reading the bytes itself", () => {
    const body = JSON.stringify({ id: "c", choices: [{ index: 0, message: { role: "assistant", content: "café ✓ fine" } }], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } });
    expect(createMaskSession("openai", "/v1/x", [pseudonymRule()]).maskResponse(Buffer.from(body), "application/json").parsed).toBeDefined();
    for (const mode of ["masked", "raw", "none"] as const) {
      const shared = whole(body, true, 100_000, mode);
      expect(shared).toEqual(whole(body, false, 100_000, mode));
      if (mode !== "none") expect(shared.responseBody).toBe(body);
      expect(Number(shared.usage?.totalTokens)).toBe(7);
      // Cut at the record limit (inside the two-byte é) the same way; the usage is still read (the whole body was parsed).
      const cut = whole(body, true, 60, mode);
      expect({ ...cut, usage: undefined }).toEqual({ ...whole(body, false, 60, mode), usage: undefined });
      expect(Number(cut.usage?.totalTokens)).toBe(7);
    }
  });
});

describe("createParsedLookup", () => {
  it("attaches a listed value only to an event with exactly that data, in order, for the chunk offered", () => {
    const lookup = createParsedLookup();
    lookup.offer([{ data: "{}", value: "first" }, { data: "[1]", value: "second" }]);
    expect(lookup.attach({ event: "message", data: "[1]" }).json).toBeUndefined(); // not the next one listed
    expect(lookup.attach({ event: "message", data: "other" }).json).toBeUndefined();
    expect(lookup.attach({ event: "message", data: "{}" }).json).toEqual({ value: "first" });
    expect(lookup.attach({ event: "message", data: "[1]" }).json).toEqual({ value: "second" });
    expect(lookup.attach({ event: "message", data: "[1]" }).json).toBeUndefined(); // used up
    lookup.offer(undefined);
    expect(lookup.attach({ event: "message", data: "{}" }).json).toBeUndefined();
  });
});

// The recorder reads a masked stream's events from the JSON the masker parsed (parsed-events.ts):
// the record is the same as when it parses every event itself, for both record modes (the caller's
// restored text in raw, the placeholders in masked), in any chunking; a value is taken only for
// exactly the data it was listed with.
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

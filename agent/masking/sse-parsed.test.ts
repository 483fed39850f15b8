// The JSON the reply masker hands on with each chunk of a stream (response-stream.ts, read by the
// recorder through agent/sse/parsed-events.ts): every listed value is exactly what JSON.parse makes
// of that side's event data, in the order the events come, so a reader taking it instead of
// parsing reads the same thing; and the masker does list the events (the parse is shared).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ParsedData } from "../sse/parsed-events.js";
import { createSseParser } from "../sse/sse-parser.js";
import { createMaskSession } from "./mask-session.js";
import { anthropicStream, chatStream, responsesStream } from "./sse-fixtures.js";
import { pseudonymRule, rule } from "./test-rules.js";

const EMAIL = "jane.doe@example.com";
const TEXT = `Write to <EMAIL_1> (${EMAIL}) or call +44 20 7946 0958, thanks.`; // <EMAIL_1> is restored for the caller
const ARGS = `{"to":"<EMAIL_1>","cc":"${EMAIL}"}`;
const parseOrUndefined = (data: string) => {
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return undefined;
  }
};

/** Plays `sse` in `size`-byte chunks; checks each side's lists against its bytes; returns how many events were listed. */
function checkPlay(provider: string, sse: string, size: number, restore: boolean): number {
  const session = createMaskSession(provider, "/v1/x", [restore ? pseudonymRule() : rule()]);
  session.maskRequest(Buffer.from(JSON.stringify({ messages: [{ role: "user", content: EMAIL }] })));
  const stream = session.responseStream();
  const bytes = Buffer.from(sse, "utf8");
  let listed = 0;
  const check = (out: ReturnType<typeof stream.push>) => {
    for (const side of ["client", "record"] as const) {
      const events: string[] = [];
      const parser = createSseParser((event) => events.push(event.data));
      parser.push(out[side]);
      parser.end();
      const list: ParsedData[] = out.parsed?.[side] ?? [];
      // In order, each one an event of this chunk, its value JSON.parse's.
      let from = 0;
      for (const entry of list) {
        const at = events.indexOf(entry.data, from);
        expect(at).toBeGreaterThanOrEqual(0);
        expect(entry.value).toEqual(parseOrUndefined(entry.data));
        from = at + 1;
      }
      if (side === "record") listed += list.length;
    }
  };
  for (let at = 0; at < bytes.length; at += size) check(stream.push(bytes.subarray(at, at + size)));
  check(stream.end());
  return listed;
}

describe("SSE masking: parsed events handed on", () => {
  const streams: [string, string][] = [
    ["openai", chatStream(TEXT, ARGS)],
    ["openai", responsesStream(TEXT)],
    ["anthropic", anthropicStream(TEXT, ARGS)],
  ];
  for (const [provider, sse] of streams) {
    it(`${provider} ${sse.slice(0, 40).split("\n")[0]}…: every value is JSON.parse's of its data, redacted or restored, in any chunking`, () => {
      for (const restore of [false, true]) {
        for (const size of [1, 7, 64, 100_000]) {
          const events = sse.split("\n\n").filter(Boolean).length;
          // Most events go out unchanged or edited in place: listed, not parsed again downstream.
          expect(checkPlay(provider, sse, size, restore)).toBeGreaterThan(events / 2);
        }
      }
    });
  }

  it("any event data, including numbers JSON.parse would round (not listed) and non-JSON", () => {
    const data = fc.oneof(fc.json(), fc.constantFrom("[DONE]", "not json", `"<EMAIL_1>"`, `{"choices":[{"delta":{"content":"<EMAIL_1>"}}]}`, `{"n":12345678901234567890}`, `{"x":1e400}`, `"${EMAIL}"`, `{"choices":[{"delta":{"content":"${EMAIL}"}}]}`));
    fc.assert(
      fc.property(fc.array(data, { maxLength: 10 }), fc.integer({ min: 1, max: 50 }), fc.constantFrom("openai", "anthropic", "generic"), fc.boolean(), (events, size, provider, restore) => {
        checkPlay(provider, events.map((event) => `data: ${event}\n\n`).join(""), size, restore);
      }),
      { numRuns: 300 },
    );
  });
});

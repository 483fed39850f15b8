// The recorder's exchange starts from a literal (core/protobuf/zero-message.ts), not create():
// what it commits is what it committed when made by create(ExchangeSchema, { id, method, path, startedAt }).
import { create, toBinary } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Exchange, ExchangeSchema, IdentitySchema, Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { openai } from "../providers/openai.js";
import { startExchangeRecorder } from "./exchange-recorder.js";

describe("the recorder's exchange", () => {
  it("is create()'s, field for field and byte for byte", () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom("GET", "POST", "DELETE"), fc.string(), fc.integer({ min: 0, max: 2 ** 41 }), fc.string(), fc.boolean(), (id, method, path, started, body, answered) => {
        const committed: Exchange[] = [];
        const rec = startExchangeRecorder({ id, method, path, recordLimit: 1000, now: () => started, slot: { commit: (exchange) => committed.push(exchange), release: () => {} } });
        rec.connection("openai");
        rec.identity({ subject: "s", email: "e@x.io", groups: ["g"], issuer: "https://i", claims: {} } as never);
        rec.request(Buffer.from(body), { model: "m", stream: false } as never);
        if (answered) {
          rec.responseStart(openai, "application/json");
          rec.responseBody(Buffer.from(body), Buffer.from(body));
        }
        rec.finish({ status: 200, verdict: Verdict.ALLOWED });
        const reference = create(ExchangeSchema, { id, method, path, startedAt: timestampFromMs(started) });
        reference.connection = "openai";
        reference.identity = create(IdentitySchema, { subject: "s", email: "e@x.io", groups: ["g"], issuer: "https://i" });
        reference.requestBody = committed[0]!.requestBody;
        reference.model = "m";
        reference.responseBody = committed[0]!.responseBody;
        reference.status = 200;
        reference.verdict = Verdict.ALLOWED;
        reference.duration = durationFromMs(0);
        expect(committed[0]).toStrictEqual(reference);
        expect(Buffer.from(toBinary(ExchangeSchema, committed[0]!)).equals(Buffer.from(toBinary(ExchangeSchema, reference)))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

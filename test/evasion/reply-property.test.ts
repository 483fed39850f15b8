// Property test of the reply side: whatever the shape of a reply (random JSON, known and unknown
// field names, any depth), wherever a value to mask sits in it (a text field, prose, JSON inside a
// string, an escape, a number, a key), and however a stream splits it (pieces across consecutive
// events at one path, in OpenAI chat, Responses, Anthropic or unknown events) and the network cuts
// the bytes, no form of the value reaches the caller (client-view.ts). The engine is driven
// directly (fast), then a sample end to end through an agent with random content types and encodings.
import fc from "fast-check";
import { request } from "undici";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileDetectors } from "../../core/detectors/compile-detectors.js";
import { createMaskSession } from "../../agent/masking/mask-session.js";
import { malformedIndex } from "../../agent/masking/provider-index.js";
import type { MaskRule } from "../../core/detectors/mask-types.js";
import { PolicyAction } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { startPolicyBed, type PolicyBed } from "../policy-e2e/policy-bed.js";
import { clientViews, leakedValues } from "./client-view.js";
import { chunking, cut, jsonValue, path, pieces, placeAt, placement, protocol, secret, stream, written } from "./reply-shapes.js";

const DETECTORS = ["email", "phone", "payment-card", "iban", "us-ssn", "ip-address", "secrets"];
const rule: MaskRule = {
  policy: "replies", direction: "response", style: "redact", restore: false,
  detectors: compileDetectors({ builtins: DETECTORS, patterns: [], words: [], phoneRegion: "US" }),
};
const providers = fc.constantFrom("openai", "anthropic", "generic");

describe("reply inspection, any shape (engine)", () => {
  it("a whole reply: no value reaches the caller wherever it sits", () => {
    fc.assert(
      fc.property(providers, jsonValue, path, secret, placement, (provider, shape, [steps, last], entry, how) => {
        const value = how === "key" ? { [entry.written]: 1 } : written(entry, how);
        const body = Buffer.from(JSON.stringify(placeAt(shape, steps, last, value)));
        const out = createMaskSession(provider, "/v1/x", [rule]).maskResponse(body, "application/json");
        expect(leakedValues(clientViews({}, out.client), [entry.value])).toEqual([]);
        JSON.parse(out.client.toString("utf8")); // still JSON
      }),
      { numRuns: 300 },
    );
  });

  it("a stream: no value reaches the caller however it is split across events and network chunks", () => {
    fc.assert(
      fc.property(providers, protocol, jsonValue, path, secret, fc.array(fc.nat({ max: 40 }), { maxLength: 5 }), chunking, fc.boolean(), (provider, kind, shape, [steps, last], entry, cuts, sizes, prose) => {
        const text = prose ? `please use ${entry.written} today` : entry.written;
        const sse = stream(kind, pieces(text, cuts), shape, steps, last);
        const masker = createMaskSession(provider, "/v1/x", [rule]).responseStream();
        const out: Buffer[] = [];
        try {
          for (const chunk of cut(Buffer.from(sse), sizes)) out.push(masker.push(chunk).client);
          out.push(masker.end().client);
        } catch (error) {
          // A shape whose index no reader can use refuses the stream (provider-index.ts): nothing of the value may have gone out before.
          if (!malformedIndex(error)) throw error;
        }
        expect(leakedValues(clientViews({}, Buffer.concat(out)), [entry.value])).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });
});

describe("reply inspection, any shape (through an agent)", () => {
  let bed: PolicyBed;
  let token: string;
  beforeAll(async () => {
    bed = await startPolicyBed();
    await bed.use([{ name: "mask-replies", priority: 90, action: PolicyAction.MASK, direction: 2, detectors: DETECTORS, phoneRegion: "US" }, { name: "allow-all" }]);
    token = await bed.issuer.token();
  }, 60_000);
  afterAll(() => bed?.close());

  it("with random content types, encodings and chunking, no value reaches the caller", async () => {
    const contentType = fc.constantFrom("text/event-stream", "application/json", "text/plain", "application/octet-stream", "");
    await fc.assert(
      fc.asyncProperty(protocol, jsonValue, path, secret, fc.array(fc.nat({ max: 40 }), { maxLength: 4 }), chunking, contentType, fc.boolean(), async (kind, shape, [steps, last], entry, cuts, sizes, type, gzip) => {
        const sse = Buffer.from(stream(kind, pieces(`use ${entry.written}.`, cuts), shape, steps, last));
        const body = gzip ? gzipSync(sse) : sse;
        const headers: Record<string, string> = type === "" ? {} : { "content-type": type };
        if (gzip) headers["content-encoding"] = "gzip";
        const id = bed.provider.script({ headers, chunks: cut(body, sizes) });
        const answer = await request(`${bed.agent.url}/openai/v1/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "x-stand-in-script": id },
          body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }], stream: true }),
        });
        const bytes = Buffer.from(await answer.body.arrayBuffer());
        expect(answer.statusCode).toBe(200);
        expect(leakedValues(clientViews(answer.headers, bytes), [entry.value])).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });
});

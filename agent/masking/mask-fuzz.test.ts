// Whatever a caller or a provider sends, the engine neither throws nor breaks JSON: arbitrary JSON
// in the known fields' places, arbitrary event data in SSE streams.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createMaskSession } from "./mask-session.js";
import { pseudonymRule } from "./test-rules.js";
import { malformedIndex } from "./provider-index.js";

const EMAIL = "jane.doe@example.com";
const leaf = fc.oneof(fc.constantFrom(EMAIL, "<EMAIL_1>", "hi", "", "{\"a\":\"jane.doe@example.com\"}", "output_text", "text_delta", "input_json_delta", "function_call", "message"),
  fc.constantFrom("response.output_text.delta", "response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed", "response.function_call_arguments.delta", "response.function_call_arguments.done", "content_block_start", "content_block_delta", "content_block_stop", "message_stop", "stop"), fc.integer(), fc.boolean(), fc.constant(null));
const keys = fc.constantFrom("messages", "content", "input", "output", "text", "type", "arguments", "tool_calls", "function", "choices", "delta", "index", "system", "part", "item", "response", "output_index", "content_index", "delta", "partial_json", "finish_reason", "summary");
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, leaf, fc.array(tie("value"), { maxLength: 4 }), fc.dictionary(keys, tie("value"), { maxKeys: 5 })),
}));

function session(provider: string) {
  const masking = createMaskSession(provider, "/v1/x", [pseudonymRule()]);
  masking.maskRequest(Buffer.from(JSON.stringify({ input: EMAIL })));
  return masking;
}

describe("masking fuzz", () => {
  for (const provider of ["openai", "anthropic", "generic"]) {
    it(`${provider}: any JSON request or response stays JSON`, () => {
      fc.assert(
        fc.property(value, (body) => {
          const text = Buffer.from(JSON.stringify(body));
          const masking = session(provider);
          expect(() => JSON.parse(masking.maskRequest(text).toString())).not.toThrow();
          const out = masking.maskResponse(text, "application/json");
          expect(() => JSON.parse(out.client.toString())).not.toThrow();
          expect(() => JSON.parse(out.record.toString())).not.toThrow();
        }),
        { numRuns: 200 },
      );
    });

    it(`${provider}: any SSE events come out as events whose JSON data still parses`, () => {
      fc.assert(
        fc.property(fc.array(fc.oneof(value.map((json) => JSON.stringify(json)), fc.constant("[DONE]")), { maxLength: 12 }), fc.integer({ min: 1, max: 40 }), (events, size) => {
          const sse = events.map((event) => `data: ${event}\n\n`).join("");
          const stream = session(provider).responseStream();
          const bytes = Buffer.from(sse);
          let client = "";
          try {
            for (let at = 0; at < bytes.length; at += size) client += stream.push(bytes.subarray(at, at + size)).client.toString();
            client += stream.end().client.toString();
          } catch (error) {
            // An index no reader can use refuses the stream (provider-index.ts): what went out before must still parse.
            if (!malformedIndex(error)) throw error;
          }
          for (const block of client.split("\n\n").filter(Boolean)) {
            const data = block.split("\n").filter((line) => line.startsWith("data: ")).map((line) => line.slice(6)).join("\n");
            if (data !== "[DONE]") expect(() => JSON.parse(data)).not.toThrow();
          }
        }),
        { numRuns: 200 },
      );
    });
  }
});

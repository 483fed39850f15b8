// Anthropic Messages API.
import { anthropicPromptText } from "./anthropic-prompt.js";
import { countAt, eventJson, objectAt, stringAt, usageFrom } from "./json-fields.js";
import { createDeltaTemplate } from "./delta-template.js";
import { createTextAccumulator } from "./text-accumulator.js";
import type { ProviderSpec, RefusalKind, StreamReader } from "./provider.js";

// Anthropic's documented error types, so its SDK raises the matching typed error.
const errorTypes: Record<RefusalKind, string> = {
  unauthenticated: "authentication_error",
  not_found: "not_found_error",
  too_large: "request_too_large",
  invalid_request: "invalid_request_error",
  unsupported_media_type: "invalid_request_error",
  unavailable: "overloaded_error",
  bad_gateway: "api_error",
  internal: "api_error",
  gateway_timeout: "api_error",
  uninspectable_reply: "api_error",
  forbidden: "permission_error",
  rate_limited: "rate_limit_error",
};

/**
 * Anthropic's `input_tokens` leave out the prompt tokens read from or written to the cache; the
 * recorded prompt counts them all (they are all billed), the cached part being the reads.
 */
function anthropicUsage(input: number | undefined, output: number | undefined, cacheRead: number | undefined, cacheWrite: number | undefined) {
  if (input === undefined && output === undefined) return undefined;
  const prompt = (input ?? 0) + (cacheRead ?? 0) + (cacheWrite ?? 0);
  return usageFrom(prompt, output, undefined, cacheRead);
}

/** The text a content_block_delta event adds (a text_delta): all it does to the reader (delta-template.ts). */
function textDeltaPiece(data: unknown, eventName: string): string | undefined {
  if ((stringAt(data, "type") || eventName) !== "content_block_delta") return undefined;
  const delta = objectAt(objectAt(data)?.delta);
  return delta?.type === "text_delta" && typeof delta.text === "string" ? delta.text : undefined;
}

function anthropicStreamReader(maxChars: number): StreamReader {
  const text = createTextAccumulator(maxChars);
  const template = createDeltaTemplate(textDeltaPiece);
  let input: number | undefined;
  let output: number | undefined;
  let cacheRead: number | undefined;
  let cacheWrite: number | undefined;
  return {
    event(event) {
      if (!event.json) {
        const piece = template.match(event);
        if (piece !== undefined) return text.append(piece);
      }
      const data = eventJson(event);
      const type = stringAt(data, "type") || event.event;
      if (type === "message_start") {
        const usage = objectAt(objectAt(data)?.message)?.usage;
        input = countAt(usage, "input_tokens") ?? input;
        output = countAt(usage, "output_tokens") ?? output;
        cacheRead = countAt(usage, "cache_read_input_tokens") ?? cacheRead;
        cacheWrite = countAt(usage, "cache_creation_input_tokens") ?? cacheWrite;
      } else if (type === "content_block_delta") {
        const delta = objectAt(data)?.delta;
        if (stringAt(delta, "type") === "text_delta") text.append(stringAt(delta, "text"));
      } else if (type === "message_delta") {
        // message_delta's usage is cumulative for output tokens.
        const usage = objectAt(data)?.usage;
        input = countAt(usage, "input_tokens") ?? input;
        output = countAt(usage, "output_tokens") ?? output;
        cacheRead = countAt(usage, "cache_read_input_tokens") ?? cacheRead;
        cacheWrite = countAt(usage, "cache_creation_input_tokens") ?? cacheWrite;
      }
      if (!event.json) template.learn(event, data);
    },
    text: () => text.text,
    truncated: () => text.truncated,
    usage: () => anthropicUsage(input, output, cacheRead, cacheWrite),
  };
}

// The format has no code field: a precise reason code leads the message.
const errorBody = (refusal: { kind: RefusalKind; message: string; code?: string }) => ({
  type: "error",
  error: { type: errorTypes[refusal.kind], message: refusal.code ? `${refusal.code}: ${refusal.message}` : refusal.message },
});

/** Anthropic: usage as input/output tokens, errors as `{type:"error",error:{type,message}}` (in a stream: an `error` event carrying it). */
export const anthropic: ProviderSpec = {
  name: "anthropic",
  requestBodies: { multipart: /\/v1\/files$/ }, // the Files API takes uploads
  readRequest: (body) => ({ model: stringAt(body, "model"), stream: objectAt(body)?.stream === true, maxTokens: countAt(body, "max_tokens") }),
  promptText: (body) => anthropicPromptText(body),
  readUsage: (body) => {
    const usage = objectAt(body)?.usage;
    return objectAt(usage)
      ? anthropicUsage(countAt(usage, "input_tokens"), countAt(usage, "output_tokens"), countAt(usage, "cache_read_input_tokens"), countAt(usage, "cache_creation_input_tokens"))
      : undefined;
  },
  streamReader: anthropicStreamReader,
  errorBody,
  streamError: (_path, refusal) => `event: error\ndata: ${JSON.stringify(errorBody(refusal))}\n\n`,
};

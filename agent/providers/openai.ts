// OpenAI and OpenAI-compatible APIs: chat completions and the Responses API.
import type { SseEvent } from "../sse/sse-parser.js";
import { openaiPromptText } from "./openai-prompt.js";
import { countAt, eventJson, objectAt, stringAt, usageFrom } from "./json-fields.js";
import { openaiStreamUsage } from "./openai-stream-usage.js";
import { createDeltaTemplate } from "./delta-template.js";
import { createTextAccumulator } from "./text-accumulator.js";
import type { ProviderSpec, RefusalKind, StreamReader, UsageCounts } from "./provider.js";

// type/code pairs chosen so the OpenAI SDKs raise the matching typed error and callers can branch on code.
const errorTypes: Record<RefusalKind, { type: string; code: string }> = {
  unauthenticated: { type: "invalid_request_error", code: "invalid_api_key" },
  not_found: { type: "invalid_request_error", code: "unknown_connection" },
  too_large: { type: "invalid_request_error", code: "request_too_large" },
  invalid_request: { type: "invalid_request_error", code: "uninspectable_body" },
  unsupported_media_type: { type: "invalid_request_error", code: "unsupported_media_type" },
  unavailable: { type: "server_error", code: "service_unavailable" },
  bad_gateway: { type: "server_error", code: "upstream_unreachable" },
  internal: { type: "server_error", code: "internal_error" },
  gateway_timeout: { type: "server_error", code: "upstream_timeout" },
  uninspectable_reply: { type: "server_error", code: "uninspectable_response" },
  forbidden: { type: "permission_error", code: "policy_denied" },
  rate_limited: { type: "rate_limit_error", code: "rate_limit_exceeded" },
};

/** Usage in either OpenAI shape: chat (`prompt_tokens`) or Responses (`input_tokens`). */
export function openaiUsage(usage: unknown): UsageCounts | undefined {
  if (!objectAt(usage)) return undefined;
  return usageFrom(
    countAt(usage, "prompt_tokens") ?? countAt(usage, "input_tokens"),
    countAt(usage, "completion_tokens") ?? countAt(usage, "output_tokens"),
    countAt(usage, "total_tokens"),
    countAt(objectAt(usage)?.prompt_tokens_details, "cached_tokens") ?? countAt(objectAt(usage)?.input_tokens_details, "cached_tokens"),
  );
}

/** The OpenAI-shaped error body, shared with the generic provider. */
export function openaiErrorBody(refusal: { kind: RefusalKind; message: string; code?: string }): unknown {
  const { type, code } = errorTypes[refusal.kind];
  return { error: { message: refusal.message, type, param: null, code: refusal.code ?? code } };
}

const RESPONSES_PATH = /\/responses$/;

/**
 * Chat (and legacy) completions report a failure mid-stream as a chunk holding `error`; the
 * Responses API as an `error` event (the `ResponseErrorEvent` shape, without a sequence number the
 * agent cannot know). The OpenAI SDKs raise an `APIError` from either.
 */
function openaiStreamError(path: string, refusal: { kind: RefusalKind; message: string; code?: string }): string {
  if (!RESPONSES_PATH.test(path)) return `data: ${JSON.stringify(openaiErrorBody(refusal))}\n\n`;
  const code = refusal.code ?? errorTypes[refusal.kind].code;
  return `event: error\ndata: ${JSON.stringify({ type: "error", code, message: refusal.message, param: null })}\n\n`;
}

const RESPONSES_TEXT_DELTA = "response.output_text.delta";
const RESPONSES_COMPLETED = "response.completed";

/**
 * The text a chat chunk adds when that is all it does: one choice with a string `delta.content`,
 * no usage, not a Responses event (delta-template.ts).
 */
function chatPiece(data: unknown, eventName: string): string | undefined {
  const type = stringAt(data, "type") || eventName;
  if (type === RESPONSES_TEXT_DELTA || type === RESPONSES_COMPLETED || objectAt(objectAt(data)?.usage)) return undefined;
  const choices = objectAt(data)?.choices;
  if (!Array.isArray(choices) || choices.length !== 1) return undefined;
  const content = objectAt(objectAt(choices[0])?.delta)?.content;
  return typeof content === "string" ? content : undefined;
}

// The top-level members the stream reader below reads; any other (OpenAI's per-chunk `obfuscation`
// padding) may differ between events of one shape (delta-template.ts).
const READ_KEYS: ReadonlySet<string> = new Set(["type", "delta", "response", "choices", "usage"]);

function openaiStreamReader(maxChars: number): StreamReader {
  const text = createTextAccumulator(maxChars);
  const template = createDeltaTemplate(chatPiece, READ_KEYS);
  let usage: UsageCounts | undefined;
  return {
    event(event: SseEvent) {
      if (!event.json) {
        const piece = template.match(event);
        if (piece !== undefined) return text.append(piece);
      }
      const data = eventJson(event);
      const type = stringAt(data, "type") || event.event;
      if (type === RESPONSES_TEXT_DELTA) {
        text.append(stringAt(data, "delta"));
      } else if (type === RESPONSES_COMPLETED) {
        usage = openaiUsage(objectAt(objectAt(data)?.response)?.usage) ?? usage;
      } else {
        // Chat completions: every chunk carries choices[].delta; the last one (with
        // stream_options.include_usage) carries usage and no choices.
        const choices = objectAt(data)?.choices;
        if (Array.isArray(choices)) {
          for (const choice of choices) text.append(stringAt(objectAt(choice)?.delta, "content"));
        }
        usage = openaiUsage(objectAt(data)?.usage) ?? usage;
      }
      if (!event.json) template.learn(event, data);
    },
    text: () => text.text,
    truncated: () => text.truncated,
    usage: () => usage,
  };
}

/** The output tokens `perChoice` allows over every choice the request has generated (`n`, `best_of`). */
function timesChoices(body: unknown, perChoice: number | undefined): number | undefined {
  if (perChoice === undefined) return undefined;
  return perChoice * Math.max(1, countAt(body, "n") ?? 1, countAt(body, "best_of") ?? 1);
}

/** OpenAI: model and stream at the top of the body, usage under `usage`, errors as `{error:{…}}`. */
export const openai: ProviderSpec = {
  name: "openai",
  // Uploads: files, upload parts, audio transcriptions and translations, image edits and variations.
  requestBodies: { multipart: /\/(?:files|uploads\/[^/]+\/parts|audio\/(?:transcriptions|translations)|images\/(?:edits|variations)|containers\/[^/]+\/files)$/ },
  readRequest: (body) => ({
    model: stringAt(body, "model"),
    stream: objectAt(body)?.stream === true,
    // Chat: max_completion_tokens (max_tokens, deprecated); Responses: max_output_tokens. Per
    // choice: `n` choices (`best_of` generated, legacy completions) may each take that many.
    maxTokens: timesChoices(body, countAt(body, "max_completion_tokens") ?? countAt(body, "max_tokens") ?? countAt(body, "max_output_tokens")),
  }),
  promptText: (body) => openaiPromptText(body),
  readUsage: (body) => openaiUsage(objectAt(body)?.usage),
  streamReader: openaiStreamReader,
  streamUsage: openaiStreamUsage,
  errorBody: openaiErrorBody,
  streamError: openaiStreamError,
};

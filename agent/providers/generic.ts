// Any other REST API: forwarded and recorded as it is, with no model or usage extraction.
import { openaiErrorBody } from "./openai.js";
import type { ProviderSpec } from "./provider.js";

/** Generic: nothing read from bodies but the whole text for content rules, streams recorded raw, refusals in the OpenAI shape (the most widely understood). */
export const generic: ProviderSpec = {
  name: "generic",
  requestBodies: { multipart: /(?:)/, anyType: true },
  readRequest: () => ({ model: "", stream: false }),
  promptText: (_body, raw) => raw, // no known shape: content rules see the whole body
  readUsage: () => undefined,
  streamReader: () => undefined,
  errorBody: openaiErrorBody,
};

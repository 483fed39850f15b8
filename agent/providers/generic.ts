// Any other REST API: forwarded and recorded as it is, with no model or usage extraction.
import { openaiErrorBody } from "./openai.js";
import type { ProviderSpec } from "./provider.js";

/** Generic: nothing read from bodies, streams recorded raw, refusals in the OpenAI shape (the most widely understood). */
export const generic: ProviderSpec = {
  name: "generic",
  readRequest: () => ({ model: "", stream: false }),
  readUsage: () => undefined,
  streamReader: () => undefined,
  errorBody: openaiErrorBody,
};

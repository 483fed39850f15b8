// Masks a request body before it goes upstream: the provider's known text fields when the body
// has a known shape, every string value of any other JSON body, and a non-JSON UTF-8 body as text.
// Returns the very same Buffer when nothing was masked (so the pipeline can skip re-sending work).
import { visitAnthropicRequest } from "./anthropic-request.js";
import { createFieldEditor, type FieldVisitor } from "./field-editor.js";
import { parseJsonBody, stringifyJsonBody, utf8Text } from "./json-body.js";
import type { PromptMasker } from "./mask-context.js";
import { visitOpenaiRequest } from "./openai-request.js";
import { objectAt } from "./walk-helpers.js";

type RequestWalker = (body: Record<string, unknown>, visitor: FieldVisitor) => boolean;

const walkers: Record<string, RequestWalker> = {
  openai: visitOpenaiRequest,
  anthropic: visitAnthropicRequest,
};

/**
 * The masked body, or `body` itself when nothing matched. `parsed`, when the caller has it, is
 * `parseJsonBody` of the body's text (it saves parsing again, and is edited in place when masked).
 */
export function maskRequestBody(provider: string, body: Buffer, masker: PromptMasker, parsed?: unknown): Buffer {
  const text = utf8Text(body);
  if (text === undefined || text === "") return body;
  // Any JSON document, a bare number or string too: masked as JSON so it stays JSON.
  parsed ??= parseJsonBody(text);
  if (parsed === undefined) {
    const masked = masker.mask(text, "request.body");
    return masked === text ? body : Buffer.from(masked, "utf8");
  }
  const editor = createFieldEditor((value, location) => {
    const masked = masker.mask(value, location);
    return masked === value ? undefined : { client: masked, record: masked };
  });
  const object = objectAt(parsed);
  const walker = walkers[provider];
  const holder = { request: parsed }; // a bare string body is replaced in its holder
  if (!object || !walker?.(object, editor)) editor.all(holder, "request", "request");
  if (!editor.changed) return body;
  editor.apply("record");
  return Buffer.from(stringifyJsonBody(holder.request), "utf8");
}

// Masks a whole (non-streamed) response body: the provider's known text fields of a JSON body of a
// known shape, every string of any other JSON body, a text/* body as text. Binary bodies pass.
// The caller gets restored values; the record keeps placeholders.
import { visitAnthropicResponse } from "./anthropic-response.js";
import { createFieldEditor, type FieldVisitor } from "./field-editor.js";
import { parseJsonBody, stringifyJsonBody, utf8Text } from "./json-body.js";
import type { ReplyMasker } from "./mask-context.js";
import type { MaskedBody } from "../../core/detectors/mask-types.js";
import { visitOpenaiResponse } from "./openai-response.js";
import { objectAt } from "./walk-helpers.js";

type ResponseWalker = (body: Record<string, unknown>, visitor: FieldVisitor) => boolean;

const walkers: Record<string, ResponseWalker> = {
  openai: visitOpenaiResponse,
  anthropic: visitAnthropicResponse,
};

const unchanged = (body: Buffer): MaskedBody => ({ client: body, record: body });
const textual = (contentType: string) => /^\s*text\/|[/+]json\b|[/+]xml\b/i.test(contentType);

/** The caller's and the record's body; both `body` itself when nothing was masked or restored. */
export function maskResponseBody(provider: string, body: Buffer, contentType: string, masker: ReplyMasker): MaskedBody {
  if (contentType !== "" && !textual(contentType)) return unchanged(body);
  const text = utf8Text(body);
  if (text === undefined || text === "") return unchanged(body);
  // Any JSON document, a bare number or string too: masked as JSON so it stays JSON.
  const parsed = parseJsonBody(text);
  if (parsed === undefined) {
    const masked = masker.mask(text, "response.body");
    if (masked.client === text && masked.record === text) return unchanged(body);
    return { client: Buffer.from(masked.client, "utf8"), record: Buffer.from(masked.record, "utf8") };
  }
  const editor = createFieldEditor((value, location) => {
    const masked = masker.mask(value, location);
    return masked.client === value && masked.record === value ? undefined : masked;
  });
  const object = objectAt(parsed);
  const walker = walkers[provider];
  if (!object || !walker?.(object, editor)) editor.all({ response: parsed }, "response", "response");
  if (!editor.changed) return unchanged(body);
  editor.apply("client");
  const client = Buffer.from(stringifyJsonBody(parsed), "utf8");
  editor.apply("record");
  return { client, record: Buffer.from(stringifyJsonBody(parsed), "utf8") };
}

// Masks a request body on its own (the pipeline masks the whole request through agent/inspection/,
// path, query and headers too): every string of a JSON body at any depth — keys, values, JSON
// carried in strings, text in base64 — with values split over neighbouring strings found joined;
// a non-JSON UTF-8 body as text. Returns the very same Buffer when nothing was masked.
import { jsonSlots } from "../inspection/json-slots.js";
import { maskSlots } from "../inspection/slot-masker.js";
import { parseJsonBody, stringifyJsonBody, utf8Text } from "./json-body.js";
import type { PromptMasker } from "./mask-context.js";

/**
 * The masked body, or `body` itself when nothing matched. `parsed`, when the caller has it, is
 * `parseJsonBody` of the body's text (it saves parsing again, and is edited in place when masked).
 */
export function maskRequestBody(body: Buffer, masker: PromptMasker, parsed?: unknown): Buffer {
  const text = utf8Text(body);
  if (text === undefined || text === "") return body;
  // Any JSON document, a bare number or string too: masked as JSON so it stays JSON.
  parsed ??= parseJsonBody(text);
  if (parsed === undefined) {
    const masked = masker.mask(text, "request.body");
    return masked === text ? body : Buffer.from(masked, "utf8");
  }
  const holder = { request: parsed }; // a bare string body is replaced in its holder
  const slots = jsonSlots(holder, "request", "request");
  if (!maskSlots(slots.slots, masker)) return body;
  slots.commit();
  return Buffer.from(stringifyJsonBody(holder.request), "utf8");
}

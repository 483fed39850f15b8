// The text fields of a non-streamed Anthropic Messages response: `content` blocks (text,
// tool_use input, thinking).
import { visitBlocks } from "./anthropic-request.js";
import type { FieldVisitor } from "./field-editor.js";

/** Visits the text fields; false when the body is not a message. */
export function visitAnthropicResponse(body: Record<string, unknown>, visitor: FieldVisitor): boolean {
  if (!Array.isArray(body.content)) return false;
  visitBlocks(body, "content", "response", visitor);
  return true;
}

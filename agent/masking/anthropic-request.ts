// The text fields of an Anthropic Messages request body: `system` (a string or text blocks), each
// message's content (a string or blocks: text, tool_use input, tool_result content, thinking) and
// tool descriptions. Names, ids, schemas and images are left alone.
import type { FieldVisitor } from "./field-editor.js";
import { eachOf, objectAt } from "./walk-helpers.js";

/** A string or an array of content blocks (also a response's `content`). */
export function visitBlocks(container: Record<string, unknown>, key: string, location: string, visitor: FieldVisitor): void {
  const content = container[key];
  if (typeof content === "string") return visitor.text(container, key, `${location}.${key}`);
  eachOf(content, (block, index) => {
    const object = objectAt(block);
    if (!object) return;
    const at = `${location}.${key}[${index}]`;
    visitor.text(object, "text", `${at}.text`);
    visitor.text(object, "thinking", `${at}.thinking`);
    if (object.type === "tool_use" || object.type === "server_tool_use") visitor.all(object, "input", `${at}.input`);
    if (object.type === "tool_result") visitBlocks(object, "content", at, visitor);
  });
}

/** Visits the text fields; false when the body has none of the known fields. */
export function visitAnthropicRequest(body: Record<string, unknown>, visitor: FieldVisitor): boolean {
  if (!("messages" in body) && !("system" in body)) return false;
  visitBlocks(body, "system", "request", visitor);
  eachOf(body.messages, (message, index) => {
    const object = objectAt(message);
    if (object) visitBlocks(object, "content", `request.messages[${index}]`, visitor);
  });
  eachOf(body.tools, (tool, index) => visitor.text(tool, "description", `request.tools[${index}].description`));
  return true;
}

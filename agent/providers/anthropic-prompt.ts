// The prompt text of an Anthropic Messages request: `system` (string or text blocks), each
// message's content (string or blocks: text, tool_use input, tool_result content), and the tools'
// names, descriptions and input schemas.
import { objectAt } from "./json-fields.js";
import { addContent, arrayAt, promptParts, type PromptParts } from "./prompt-parts.js";

function addBlocks(parts: PromptParts, content: unknown): void {
  if (typeof content === "string") return parts.text(content);
  for (const block of arrayAt(content)) {
    const object = objectAt(block);
    if (!object) continue;
    parts.text(object.text);
    if (object.type === "tool_use") {
      parts.text(object.name);
      parts.json(object.input);
    }
    if (object.type === "tool_result") addContent(parts, object.content);
  }
}

/** All prompt text of an Anthropic Messages request body. */
export function anthropicPromptText(body: unknown): string {
  const request = objectAt(body);
  if (!request) return "";
  const parts = promptParts();
  addBlocks(parts, request.system);
  for (const message of arrayAt(request.messages)) addBlocks(parts, objectAt(message)?.content);
  for (const tool of arrayAt(request.tools)) {
    const object = objectAt(tool);
    parts.text(object?.name);
    parts.text(object?.description);
    parts.json(object?.input_schema);
  }
  return parts.join();
}

// The prompt text of an OpenAI request: chat completions (messages with string or part content,
// tool calls' arguments, tool results), the Responses API (instructions, input string or items,
// function calls and their outputs), legacy completions and embeddings (`prompt`, `input`), and
// the tools' names, descriptions and parameters.
import { objectAt } from "./json-fields.js";
import { addContent, arrayAt, promptParts, type PromptParts } from "./prompt-parts.js";

function addTools(parts: PromptParts, tools: unknown): void {
  for (const tool of arrayAt(tools)) {
    // Chat nests the definition under `function`; the Responses API puts it at the top.
    const definition = objectAt(objectAt(tool)?.function) ?? objectAt(tool);
    parts.text(definition?.name);
    parts.text(definition?.description);
    parts.json(definition?.parameters);
  }
}

function addChatMessage(parts: PromptParts, message: Record<string, unknown>): void {
  addContent(parts, message.content);
  parts.text(message.refusal);
  for (const call of arrayAt(message.tool_calls)) {
    const fn = objectAt(objectAt(call)?.function);
    parts.text(fn?.name);
    parts.json(fn?.arguments);
  }
  const legacyCall = objectAt(message.function_call);
  parts.text(legacyCall?.name);
  parts.json(legacyCall?.arguments);
}

function addResponsesItem(parts: PromptParts, item: unknown): void {
  const object = objectAt(item);
  if (!object) return parts.text(item);
  addContent(parts, object.content);
  parts.json(object.arguments); // function_call
  parts.text(object.name);
  if (object.output !== undefined) {
    // function_call_output: a string, or an array of content parts
    if (typeof object.output === "string") parts.text(object.output);
    else addContent(parts, object.output);
  }
}

/** All prompt text of an OpenAI chat, Responses, completions or embeddings request body. */
export function openaiPromptText(body: unknown): string {
  const request = objectAt(body);
  if (!request) return "";
  const parts = promptParts();
  parts.text(request.instructions);
  for (const message of arrayAt(request.messages)) {
    const object = objectAt(message);
    if (object) addChatMessage(parts, object);
  }
  if (typeof request.input === "string") parts.text(request.input);
  else for (const item of arrayAt(request.input)) addResponsesItem(parts, item);
  if (typeof request.prompt === "string") parts.text(request.prompt);
  else for (const piece of arrayAt(request.prompt)) parts.text(piece);
  addTools(parts, request.tools);
  addTools(parts, request.functions);
  return parts.join();
}

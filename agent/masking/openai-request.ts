// The text fields of an OpenAI request body: chat completions (messages' content as a string or
// parts, refusals, tool calls' arguments, tool results), the Responses API (instructions, input as
// a string or items: messages and their parts, function calls' arguments, function outputs,
// reasoning summaries), legacy completions' prompt, embeddings' input, and tool descriptions.
// Tool and participant names, schemas and ids are identifiers, not text: left alone.
import type { FieldVisitor } from "./field-editor.js";
import { eachOf, objectAt } from "./walk-helpers.js";

/** Content as a string or an array of parts carrying `text` (chat, Responses input and output parts). */
export function visitContent(container: Record<string, unknown>, key: string, location: string, visitor: FieldVisitor): void {
  const content = container[key];
  if (typeof content === "string") return visitor.text(container, key, `${location}.${key}`);
  eachOf(content, (part, index) => {
    if (typeof part === "string") return visitor.text(content, index, `${location}.${key}[${index}]`);
    visitor.text(part, "text", `${location}.${key}[${index}].text`);
    visitor.text(part, "refusal", `${location}.${key}[${index}].refusal`);
  });
}

function visitChatMessage(message: Record<string, unknown>, location: string, visitor: FieldVisitor): void {
  visitContent(message, "content", location, visitor);
  visitor.text(message, "refusal", `${location}.refusal`);
  eachOf(message.tool_calls, (call, index) => visitor.jsonText(objectAt(call)?.function, "arguments", `${location}.tool_calls[${index}].function.arguments`));
  visitor.jsonText(message.function_call, "arguments", `${location}.function_call.arguments`);
}

/** One Responses API item (input or output): message, function call, function output, reasoning. */
export function visitResponsesItem(items: unknown[], index: number, location: string, visitor: FieldVisitor): void {
  const item = objectAt(items[index]);
  if (!item) return visitor.text(items, index, location);
  visitContent(item, "content", location, visitor);
  visitor.jsonText(item, "arguments", `${location}.arguments`);
  if (typeof item.output === "string") visitor.jsonText(item, "output", `${location}.output`);
  else visitContent(item, "output", location, visitor);
  eachOf(item.summary, (part, summary) => visitor.text(part, "text", `${location}.summary[${summary}].text`));
}

/** Visits the text fields; false when the body has none of the known fields (the caller then masks every string). */
export function visitOpenaiRequest(body: Record<string, unknown>, visitor: FieldVisitor): boolean {
  const known = ["messages", "input", "instructions", "prompt"].some((key) => key in body);
  if (!known) return false;
  visitor.text(body, "instructions", "request.instructions");
  eachOf(body.messages, (message, index) => {
    const object = objectAt(message);
    if (object) visitChatMessage(object, `request.messages[${index}]`, visitor);
  });
  const input = body.input;
  if (typeof input === "string") visitor.text(body, "input", "request.input");
  else if (Array.isArray(input)) for (let index = 0; index < input.length; index++) visitResponsesItem(input, index, `request.input[${index}]`, visitor);
  const prompt = body.prompt;
  if (typeof prompt === "string") visitor.text(body, "prompt", "request.prompt");
  else eachOf(prompt, (_, index) => visitor.text(prompt, index, `request.prompt[${index}]`));
  for (const key of ["tools", "functions"]) {
    eachOf(body[key], (tool, index) => {
      const nested = objectAt(objectAt(tool)?.function);
      visitor.text(nested ?? tool, "description", `request.${key}[${index}]${nested ? ".function" : ""}.description`);
    });
  }
  return true;
}

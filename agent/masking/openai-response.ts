// The text fields of a non-streamed OpenAI response: chat completions (each choice's message
// content, refusal, tool calls' arguments; legacy completions' `text`) and the Responses API
// (`output` items: message parts, refusals, function call arguments, reasoning summaries).
import type { FieldVisitor } from "./field-editor.js";
import { visitContent, visitResponsesItem } from "./openai-request.js";
import { eachOf, objectAt } from "./walk-helpers.js";

/** Visits the text fields; false when the body is not a chat or Responses result. */
export function visitOpenaiResponse(body: Record<string, unknown>, visitor: FieldVisitor): boolean {
  const { choices, output } = body;
  if (!Array.isArray(choices) && !Array.isArray(output)) return false;
  eachOf(choices, (choice, index) => {
    const location = `response.choices[${index}]`;
    visitor.text(choice, "text", `${location}.text`);
    const message = objectAt(objectAt(choice)?.message);
    if (!message) return;
    visitContent(message, "content", `${location}.message`, visitor);
    visitor.text(message, "refusal", `${location}.message.refusal`);
    eachOf(message.tool_calls, (call, call_index) =>
      visitor.jsonText(objectAt(call)?.function, "arguments", `${location}.message.tool_calls[${call_index}].function.arguments`),
    );
    visitor.jsonText(message.function_call, "arguments", `${location}.message.function_call.arguments`);
  });
  if (Array.isArray(output)) for (let index = 0; index < output.length; index++) visitResponsesItem(output, index, `response.output[${index}]`, visitor);
  return true;
}

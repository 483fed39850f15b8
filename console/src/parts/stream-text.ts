// The text a streamed answer wrote, read from its recorded SSE writes: OpenAI chat deltas, the
// Responses API's output_text deltas and Anthropic's text deltas. A write may hold several events or
// part of one; what is not one of those (tool calls, usage, other APIs) adds no text.

/** The text each write added (same length as `writes`; "" where a write added none). */
export function textOfWrites(writes: readonly string[]): string[] {
  let pending = "";
  return writes.map((write) => {
    pending += write;
    const events = pending.split(/\r?\n\r?\n/);
    pending = events.pop() ?? "";
    return events.map(textOfEvent).join("");
  });
}

function textOfEvent(event: string): string {
  const data = event.split(/\r?\n/).filter((line) => line.startsWith("data:")).map((line) => line.slice(5).trimStart()).join("\n");
  if (!data || data === "[DONE]") return "";
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return "";
  }
  if (typeof value !== "object" || value === null) return "";
  const json = value as { choices?: Array<{ delta?: { content?: unknown } }>; type?: unknown; delta?: unknown };
  if (Array.isArray(json.choices)) return json.choices.map((choice) => (typeof choice?.delta?.content === "string" ? choice.delta.content : "")).join("");
  if (json.type === "response.output_text.delta" && typeof json.delta === "string") return json.delta;
  if (json.type === "content_block_delta" && typeof json.delta === "object" && json.delta !== null) {
    const text = (json.delta as { text?: unknown }).text;
    return typeof text === "string" ? text : "";
  }
  return "";
}

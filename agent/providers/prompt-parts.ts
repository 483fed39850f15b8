// Shared pieces for collecting a request's prompt text: everything a model would read (messages,
// tool definitions, tool calls and results), joined one piece per line, for content rules.
import { objectAt } from "./json-fields.js";

/** Collects pieces of prompt text. */
export interface PromptParts {
  /** Adds a string (ignored when not a non-empty string). */
  text(value: unknown): void;
  /** Adds a value as JSON (tool parameters and arguments that arrive as objects). */
  json(value: unknown): void;
  /** The pieces, one per line. */
  join(): string;
}

/** A fresh collector. */
export function promptParts(): PromptParts {
  const parts: string[] = [];
  const text = (value: unknown) => {
    if (typeof value === "string" && value !== "") parts.push(value);
  };
  return {
    text,
    json(value) {
      if (typeof value === "string") return text(value);
      if (value !== undefined && value !== null) parts.push(JSON.stringify(value));
    },
    join: () => parts.join("\n"),
  };
}

/** The elements of `value` when it is an array, else none. */
export function arrayAt(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Adds text content given as a string or as an array of parts carrying `text` (or nested `content`). */
export function addContent(parts: PromptParts, content: unknown, depth = 0): void {
  if (typeof content === "string") return parts.text(content);
  if (depth > 8) return;
  for (const part of arrayAt(content)) {
    const object = objectAt(part);
    if (!object) {
      parts.text(part);
      continue;
    }
    parts.text(object.text);
    if (object.content !== undefined) addContent(parts, object.content, depth + 1);
  }
}

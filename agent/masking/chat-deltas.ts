// The strings of an OpenAI chat chunk's `delta` (sse-openai-chat.ts): which are streamed text and
// which identifiers, where each sits, and the containers a chunk made by the masker needs to hold
// a stream's tail at the same path.
import { isIdentityKey } from "./json-walk.js";
import { objectAt } from "./walk-helpers.js";
import { checkIndex } from "./provider-index.js";

export type Json = Record<string, unknown>;
/** A step from `delta` to a streamed string: a member, or an array element (with the identifiers a rebuilt element needs). */
export type Segment = { key: string } | { element: Json };

/** Steps from `delta` to a string, innermost first (the path is spelled out only for a new stream). */
export type Trail = { segment: Segment; up: Trail | undefined } | undefined;

/** A string inside `delta`: where it is, and the key of its stream. */
export interface DeltaString {
  container: Json | unknown[];
  key: string | number;
  value: string;
  trail: Trail;
  pathKey: string;
}

/** The steps of `trail`, outermost first. */
export function pathOf(trail: Trail): Segment[] {
  const path: Segment[] = [];
  for (let at = trail; at !== undefined; at = at.up) path.unshift(at.segment);
  return path;
}

/** The strings of `delta`: text (streamed), and identifiers other than `type` into `identifiers` when given. */
export function deltaStrings(delta: Json, identifiers?: DeltaString[]): DeltaString[] {
  const found: DeltaString[] = [];
  const visit = (value: unknown, container: Json | unknown[], key: string | number, trail: Trail, pathKey: string) => {
    if (typeof value === "string") return void found.push({ container, key, value, trail, pathKey });
    if (Array.isArray(value)) {
      for (let position = 0; position < value.length; position++) {
        const element: unknown = value[position];
        const object = objectAt(element);
        const fields: Json = {};
        checkIndex(object?.index, "delta list's index (tool_calls[].index)");
        if (typeof object?.index === "number") fields.index = object.index;
        if (typeof object?.type === "string") fields.type = object.type;
        const id = typeof object?.index === "number" ? String(object.index) : "*";
        visit(element, value, position, { segment: { element: fields }, up: trail }, `${pathKey}[${id}]`);
      }
      return;
    }
    const object = objectAt(value);
    if (!object) return;
    for (const member in object) {
      const inner = object[member];
      if (typeof inner === "string" && isIdentityKey(member)) {
        // Sent whole, but openai-python appends them too (all but `type`; @openai/agents a function's name).
        if (member !== "type") identifiers?.push({ container: object, key: member, value: inner, trail, pathKey: `${pathKey}.${member}` });
        continue;
      }
      if (typeof inner !== "string" && (typeof inner !== "object" || inner === null)) continue;
      visit(inner, object, member, { segment: { key: member }, up: trail }, `${pathKey}.${member}`);
    }
  };
  visit(delta, [], 0, undefined, "");
  return found;
}

/** Builds the containers along `path` inside `delta` (appending array elements) and returns the last one. */
export function containerAt(delta: Json, path: Segment[]): Json {
  let container: Json | unknown[] = delta;
  for (let step = 0; step < path.length - 1; step++) {
    const segment = path[step];
    const next = path[step + 1];
    if ("key" in segment) {
      const object = container as Json;
      const wanted = "element" in next ? Array.isArray(object[segment.key]) : objectAt(object[segment.key]) !== undefined;
      if (!wanted) object[segment.key] = "element" in next ? [] : {};
      container = object[segment.key] as Json | unknown[];
    } else {
      const element: Json | unknown[] = "element" in next ? [] : { ...segment.element };
      (container as unknown[]).push(element);
      container = element;
    }
  }
  return container as Json;
}

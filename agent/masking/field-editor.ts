// Collects the masked versions of string fields in a parsed JSON document without changing it,
// then writes the caller's or the record's version in place. Walkers name the fields (they know
// each API's shape); this file does the masking and the JSON-inside-a-string case.
import type { TwoTexts } from "./replacer.js";
import { parseJsonChecked } from "./json-body.js";

/** Masks one text at a location; undefined when nothing in it was replaced. */
export type TextMask = (text: string, location: string) => TwoTexts | undefined;

type Container = Record<string, unknown> | unknown[];

/** How walkers report the fields a model reads or writes. */
export interface FieldVisitor {
  /** `container[key]`, when a string, is text. */
  text(container: unknown, key: string | number, location: string): void;
  /** `container[key]`, when a string, holds JSON (tool arguments): its string values are text; a string that is not JSON is text as a whole. */
  jsonText(container: unknown, key: string | number, location: string): void;
  /** Every string anywhere inside `container[key]` (object values, array elements) is text; keys are not. */
  all(container: unknown, key: string | number, location: string): void;
}

export interface FieldEditor extends FieldVisitor {
  /** Whether any field changed. */
  readonly changed: boolean;
  /** Writes the caller's (`client`) or the record's version of every changed field into the document. */
  apply(side: keyof TwoTexts): void;
}

// A number parseJsonBody kept as its source text (JSON.rawJSON) is a frozen object, but a number:
// not walked into (its digits are no text, and writing to it throws).
const isRawJson = (JSON as unknown as { isRawJSON?: (value: unknown) => boolean }).isRawJSON ?? (() => false);
const isContainer = (value: unknown): value is Container => typeof value === "object" && value !== null && !isRawJson(value);
const at = (location: string, key: string | number) => (typeof key === "number" ? `${location}[${key}]` : `${location}.${key}`);
const MAX_DEPTH = 64;

type Edit = { container: Container; key: string | number; texts: TwoTexts };

// `changed` is a class's getter, not an object literal's: V8 keeps a literal's accessors in the old
// generation, so each exchange's getter closure (and all it reaches) outlived every scavenge until
// the next full GC (docs/performance.md, "Issue 13: the tail at one connection").
class Editor implements FieldEditor {
  readonly text: FieldEditor["text"];
  readonly jsonText: FieldEditor["jsonText"];
  readonly all: FieldEditor["all"];
  readonly apply: FieldEditor["apply"];

  constructor(
    private readonly edits: readonly Edit[],
    parts: Omit<FieldEditor, "changed">,
  ) {
    this.text = parts.text;
    this.jsonText = parts.jsonText;
    this.all = parts.all;
    this.apply = parts.apply;
  }

  get changed(): boolean {
    return this.edits.length > 0;
  }
}

/** An editor masking with `mask`. */
export function createFieldEditor(mask: TextMask): FieldEditor {
  const edits: Edit[] = [];
  const read = (container: unknown, key: string | number): string | undefined => {
    if (!isContainer(container)) return undefined;
    const value = (container as Record<string | number, unknown>)[key];
    return typeof value === "string" ? value : undefined;
  };
  const record = (container: unknown, key: string | number, texts: TwoTexts | undefined) => {
    if (texts) edits.push({ container: container as Container, key, texts });
  };
  // Depth first in document order, without recursion: every string is masked however deep it is
  // nested (a limit would let text through unmasked); locations stop growing past MAX_DEPTH.
  const all = (container: unknown, key: string | number, location: string): void => {
    if (!isContainer(container)) return;
    const pending: [Container, string | number, string, number][] = [[container, key, location, 0]];
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      const [parent, name, where, depth] = next;
      const value = (parent as Record<string | number, unknown>)[name];
      if (typeof value === "string") record(parent, name, mask(value, where));
      if (!isContainer(value)) continue;
      const child = (member: string | number) => (depth < MAX_DEPTH ? at(where, member) : where);
      const members: (string | number)[] = Array.isArray(value) ? value.map((_, index) => index) : Object.keys(value);
      for (let index = members.length - 1; index >= 0; index--) pending.push([value, members[index]!, child(members[index]!), depth + 1]);
    }
  };
  return new Editor(edits, {
    text(container, key, location) {
      const value = read(container, key);
      if (value !== undefined) record(container, key, mask(value, location));
    },
    jsonText(container, key, location) {
      const value = read(container, key);
      if (value === undefined) return;
      // Not JSON (or an escaped key V8 misread: written-keys.ts): masked as the text it is.
      const inner = parseJsonChecked(value);
      if (!isContainer(inner)) return record(container, key, mask(value, location));
      // The JSON's own strings are masked, so the argument stays a string of valid JSON.
      const nested = createFieldEditor(mask);
      nested.all({ inner }, "inner", location);
      if (!nested.changed) return;
      nested.apply("client");
      const client = JSON.stringify(inner);
      nested.apply("record");
      record(container, key, { client, record: JSON.stringify(inner) });
    },
    all,
    apply(side) {
      for (const edit of edits) (edit.container as Record<string | number, unknown>)[edit.key] = edit.texts[side];
    },
  });
}

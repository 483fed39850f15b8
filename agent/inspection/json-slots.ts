// Every piece of text in a parsed JSON document, in document order, whatever the field is called:
// keys, string values, the digits of long numbers, the strings inside JSON carried in a string
// (tool arguments), and the text inside base64 payloads (decoded-slots.ts). Payloads that decode
// to something else (images, audio, PDF) are named as binary parts. Writes go into the document;
// commit() finishes what cannot be written in place (renamed keys, JSON re-serialised into its string).
import { decodedSlots } from "./decoded-slots.js";
import { parseStrictJson } from "./strict-json.js";
import { type BinaryPart, type InspectionBudget, MAX_INSPECTED_VALUES, type SlotRole, spend, type TextSlot } from "./text-slot.js";

type Container = Record<string, unknown> | unknown[];

const isRawJson = (JSON as unknown as { isRawJSON?: (value: unknown) => boolean }).isRawJSON ?? (() => false);
const isContainer = (value: unknown): value is Container => typeof value === "object" && value !== null && !isRawJson(value);

// Values that name or label rather than say something: read joined only with their neighbours, not
// as part of the text between them (joined-reading.ts). This is the one piece of shape knowledge:
// the discriminators every provider format uses.
const labels = new Set(["type", "role", "id", "object", "model", "status"]);
const isLabel = (key: string | number) => typeof key === "string" && (labels.has(key) || key.endsWith("_id"));

// Members a provider reads as a prompt of token ids when they hold integers (OpenAI completions'
// `prompt`, embeddings' `input`, as vLLM and other compatible servers do): text no detector can
// read, so a binary part (the fail-closed rule of binary parts applies).
const tokenFields = new Set(["prompt", "input", "prompt_token_ids"]);
const holdsTokenIds = (items: readonly unknown[]) =>
  items.some((item) => typeof item === "number" || isRawJson(item) || (Array.isArray(item) && item.some((inner) => typeof inner === "number" || isRawJson(inner))));

const isJsonSpace = (code: number) => code === 32 || code === 9 || code === 10 || code === 13;
const MAX_LOCATION_DEPTH = 64;
const MIN_DIGITS = 7; // numbers shorter than a phone number hold nothing a detector finds
const digitCount = (text: string) => text.replace(/\D/g, "").length;

// Where a value sits, as a chain to its root: a slot's location is spelled out only when asked
// (a finding, an error), not for every string of every request.
interface Place {
  up?: Place;
  member?: string | number;
  root?: string;
  depth: number;
  /** The body's top-level member holding it (joined-reading.ts reads members in any order). */
  group?: number;
}

// A child's place: below the body's root, each member starts a group of its own.
const childPlace = (place: Place, member: string | number, index: number, level: number): Place => ({
  up: place, member, depth: place.depth + 1, group: level === 0 && place.depth === 0 ? index : place.group,
});

interface Task {
  key: boolean;
  parent: Container;
  name: string | number;
  place: Place;
}

function locate(place: Place): string {
  const members: (string | number)[] = [];
  let root = "";
  for (let at: Place | undefined = place; at; at = at.up) {
    if (at.member !== undefined && at.depth <= MAX_LOCATION_DEPTH) members.push(at.member);
    if (at.root !== undefined) root = at.root;
  }
  let location = root;
  for (let index = members.length - 1; index >= 0; index--) {
    const member = members[index]!;
    location += typeof member === "number" ? `[${member}]` : `.${member}`;
  }
  return location;
}

const rawJSON = (JSON as unknown as { rawJSON: (text: string) => unknown }).rawJSON;
const digitsOnly = /^-?\d+$/;

/** A string value (role "value" or "label") or a number (numeric, no role): written back in place. */
class ValueSlot implements TextSlot {
  readonly numeric: boolean;
  constructor(
    readonly text: string,
    private readonly place: Place,
    readonly role: SlotRole | undefined,
    private readonly parent: Container,
    private readonly name: string | number,
    private readonly changed: () => void,
  ) {
    this.numeric = role === undefined;
  }
  get location(): string {
    return locate(this.place);
  }
  get group(): number | undefined {
    return this.place.group;
  }
  write(text: string): void {
    // A number stays a number: its masked digits are written as its source text.
    (this.parent as Record<string | number, unknown>)[this.name] = this.numeric ? rawJSON(text) : text;
    this.changed();
  }
}

/** A key: renamed at commit (in place, keeping the object's order). */
class KeySlot implements TextSlot {
  readonly role = "key";
  readonly numeric: boolean;
  constructor(
    readonly text: string,
    private readonly place: Place,
    private readonly object: Record<string, unknown>,
    private readonly renames: Rename[],
    private readonly changed: () => void,
  ) {
    this.numeric = digitsOnly.test(text);
  }
  get location(): string {
    return `${locate(this.place)}#key`;
  }
  write(text: string): void {
    this.renames.push({ object: this.object, from: this.text, to: text });
    this.changed();
  }
}

/** What `json` holds: its text slots and binary parts, and commit() to finish the writes. */
export interface JsonSlots {
  slots: TextSlot[];
  binary: BinaryPart[];
  /** Applies renamed keys (numbered when two would be equal) and re-serialises JSON carried in strings that changed. */
  commit(): void;
}

interface Rename {
  object: Record<string, unknown>;
  from: string;
  to: string;
}

/**
 * The slots of the document held at `holder[key]` (located at `location`); `changed` hears of every
 * write. Every value visited is counted against `budget` (InspectionLimitError past it).
 */
export function jsonSlots(holder: Container, key: string | number, location: string, changed: () => void = () => {}, budget: InspectionBudget = { left: MAX_INSPECTED_VALUES }): JsonSlots {
  const slots: TextSlot[] = [];
  const binary: BinaryPart[] = [];
  const renames: Rename[][] = [[]]; // per level of JSON-in-a-string nesting
  const nested: { level: number; holder: Container; key: string | number; doc: { value: unknown }; pad: readonly [string, string]; changed: () => boolean }[] = [];

  // Depth first in document order, without recursion (however deep the document is nested).
  const walk = (root: Container, rootKey: string | number, rootLocation: string, level: number, markChanged: () => void): void => {
    const pending: Task[] = [{ key: false, parent: root, name: rootKey, place: { root: rootLocation, depth: 0 } }];
    while (pending.length > 0) {
      const task = pending.pop()!;
      spend(budget);
      const { parent, name, place } = task;
      if (task.key) {
        slots.push(new KeySlot(name as string, place, parent as Record<string, unknown>, renames[level]!, markChanged));
        continue;
      }
      const value = (parent as Record<string | number, unknown>)[name];
      if (typeof value === "string") {
        stringSlot(value, place, isLabel(name) ? "label" : "value", level, parent, name, markChanged);
      } else if (typeof value === "number" || isRawJson(value)) {
        const source = typeof value === "number" ? String(value) : JSON.stringify(value);
        if (digitCount(source) >= MIN_DIGITS) slots.push(new ValueSlot(source, place, undefined, parent, name, markChanged));
      } else if (Array.isArray(value)) {
        if (level === 0 && place.depth === 1 && tokenFields.has(name as string) && holdsTokenIds(value)) binary.push({ location: locate(place), kind: "token ids" });
        for (let index = value.length - 1; index >= 0; index--) pending.push({ key: false, parent: value, name: index, place: childPlace(place, index, index, level) });
      } else if (isContainer(value)) {
        const object = value as Record<string, unknown>;
        const keys = Object.keys(object);
        for (let index = keys.length - 1; index >= 0; index--) {
          const member = keys[index]!;
          const child = childPlace(place, member, index, level);
          pending.push({ key: false, parent: object, name: member, place: child });
          pending.push({ key: true, parent: object, name: member, place: child }); // the key, then its value
        }
      }
    }
  };

  const stringSlot = (value: string, place: Place, role: SlotRole, level: number, parent: Container, name: string | number, markChanged: () => void): void => {
    // JSON in a string (tool arguments), padded with whitespace or not: its own strings are the
    // text, and it is re-serialised (its padding kept) if one changes. JSON that is not strict
    // (NaN, a trailing comma, a duplicate key readers disagree on) is read as the text it is.
    let lead = 0;
    while (lead < value.length && isJsonSpace(value.charCodeAt(lead))) lead++;
    const first = value.charCodeAt(lead);
    if ((first === 123 || first === 91) && value.length - lead > 1) {
      const inner = parseStrictJson(value);
      if (inner.ok && isContainer(inner.value)) {
        const doc = { value: inner.value };
        let end = value.length;
        while (end > lead && isJsonSpace(value.charCodeAt(end - 1))) end--;
        const pad = [value.slice(0, lead), value.slice(end)] as const;
        let changed = false;
        while (renames.length <= level + 1) renames.push([]);
        nested.push({ level: level + 1, holder: parent, key: name, doc, pad, changed: () => changed });
        walk(doc, "value", locate(place), level + 1, () => {
          changed = true;
          markChanged();
        });
        return;
      }
    }
    // Base64 is read as what it decodes to too (and re-encoded if masked); payloads that are not
    // text are named as binary parts.
    // (Its location and write are those the decoded slot takes: locate(place), the string set in place.)
    decodedSlots(new ValueSlot(value, place, role, parent, name, markChanged), slots, binary);
  };

  walk(holder, key, location, 0, changed);
  return {
    slots,
    binary,
    commit() {
      // Deepest JSON-in-a-string first: its keys renamed, then written back as a string into its
      // holder, whose own keys are renamed after (moving the new value along).
      for (let level = renames.length - 1; level >= 0; level--) {
        applyRenames(renames[level]!);
        for (const entry of nested) {
          if (entry.level === level && entry.changed()) (entry.holder as Record<string | number, unknown>)[entry.key] = entry.pad[0] + JSON.stringify(entry.doc.value) + entry.pad[1];
        }
      }
    },
  };
}

// A name made distinct from the others: `[EMAIL]` → `[EMAIL_2]`, `<EMAIL_1>` → `<EMAIL_1_2>`,
// digits counted up (a key of digits stays digits), anything else suffixed `_2`.
function numbered(name: string, count: number): string {
  if (digitsOnly.test(name)) return (BigInt(name) + BigInt(count - 1)).toString();
  const close = name.at(-1);
  return close === "]" || close === ">" ? `${name.slice(0, -1)}_${count}${close}` : `${name}_${count}`;
}

// Renames keys in place, keeping their order. Two keys masked into one name (two addresses in an
// e-mail-keyed map) are told apart by number, in document order: neither is dropped.
function applyRenames(renames: readonly Rename[]): void {
  const byObject = new Map<Record<string, unknown>, Map<string, string>>();
  for (const { object, from, to } of renames) {
    let map = byObject.get(object);
    if (!map) byObject.set(object, (map = new Map()));
    map.set(from, to);
  }
  for (const [object, map] of byObject) {
    const kept = Object.keys(object);
    const names = new Set(kept.filter((name) => !map.has(name)));
    const entries = kept.map((name) => {
      const to = map.get(name);
      if (to === undefined) return [name, object[name]] as const;
      let unique = to;
      for (let count = 2; names.has(unique); count++) unique = numbered(to, count);
      names.add(unique);
      return [unique, object[name]] as const;
    });
    for (const name of kept) delete object[name];
    for (const [name, value] of entries) Object.defineProperty(object, name, { value, writable: true, enumerable: true, configurable: true });
  }
}

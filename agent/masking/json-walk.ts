// Every string, object key and number of a parsed JSON value, in document order, each with the
// path pattern a reader joins pieces by (array positions as `[*]`), its location for findings, and
// whether its key names an identifier (ids, types, names, roles…) rather than text. No field is
// left out by name: the masker decides what to do with each, and only fields a provider handler has
// claimed (already masked as a stream) are skipped.

type Container = Record<string, unknown> | unknown[];

/** One place in the document. */
export interface Slot {
  container: Container;
  key: string | number;
  /** The path with every array position as `[*]`: pieces at one pattern are read as one text. */
  pattern: string;
  /** The path for finding counts (`response.choices[0].message.content`). */
  location: string;
}

export interface JsonVisitor {
  /** A string value; `identity`: its key names an identifier, not text. */
  string(slot: Slot, value: string, identity: boolean): void;
  /** An object key (its own text). */
  key(container: Record<string, unknown>, key: string, location: string): void;
  /** A number, as its source text (digits a card or phone number may hide in). */
  number(slot: Slot, source: string): void;
  /** Called for each object member before it is walked; true: the visitor took care of it (not walked). */
  member?(container: Record<string, unknown>, key: string, value: unknown): boolean;
}

/** Members handled elsewhere (a handler's text streams): skipped with everything inside them. */
export interface Claims {
  claim(container: unknown, key: string | number): void;
  has(container: unknown, key: string | number): boolean;
}

export function createClaims(): Claims {
  const claimed = new Map<unknown, Set<string | number>>();
  return {
    claim(container, key) {
      if (typeof container !== "object" || container === null) return;
      let keys = claimed.get(container);
      if (!keys) claimed.set(container, (keys = new Set()));
      keys.add(key);
    },
    has: (container, key) => claimed.get(container)?.has(key) === true,
  };
}

// Identifiers a provider sends whole in every event or object: masked on their own, never joined
// with the same field of other events (a repeated id would otherwise read as one growing token).
const IDENTITY = /^(?:id|object|type|role|name|model|status|created|index|signature|obfuscation|system_fingerprint|service_tier|finish_reason|stop_reason|stop_sequence|sequence_number|tool_choice|truncation|modelVersion|[a-z]+(?:_[a-z]+)*_(?:id|index|at|type)|[a-z]+(?:[A-Z][a-z]+)*Id)$/;

/** Whether a field of this name holds an identifier rather than text. */
export const isIdentityKey = (key: string): boolean => IDENTITY.test(key);

// A number kept as its source text by parseJsonBody (JSON.rawJSON) is a frozen object, but a number.
const isRawJson = (JSON as unknown as { isRawJSON?: (value: unknown) => boolean }).isRawJSON ?? (() => false);
/** Locations stop growing past this depth (the walk itself has no limit). */
const MAX_LOCATION_DEPTH = 64;

/** Visits everything inside `container[key]`; `pattern` and `location` name that member. Iterative: any depth. */
export function walkJson(container: Container, key: string | number, pattern: string, location: string, visitor: JsonVisitor, claims?: Claims): void {
  const pending: [Container, string | number, string, string, number, boolean][] = [[container, key, pattern, location, 0, false]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [parent, name, where, at, depth, identity] = next;
    if (claims?.has(parent, name)) continue;
    const value = (parent as Record<string | number, unknown>)[name];
    if (visitor.member && typeof name === "string" && visitor.member(parent as Record<string, unknown>, name, value)) continue;
    if (typeof value === "string") {
      visitor.string({ container: parent, key: name, pattern: where, location: at }, value, identity);
      continue;
    }
    if (typeof value === "number" || isRawJson(value)) {
      visitor.number({ container: parent, key: name, pattern: where, location: at }, typeof value === "number" ? String(value) : JSON.stringify(value));
      continue;
    }
    if (typeof value !== "object" || value === null) continue;
    const deeper = depth < MAX_LOCATION_DEPTH;
    if (Array.isArray(value)) {
      for (let index = value.length - 1; index >= 0; index--) {
        pending.push([value, index, `${where}[*]`, deeper ? `${at}[${index}]` : at, depth + 1, identity]);
      }
      continue;
    }
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object);
    for (let index = keys.length - 1; index >= 0; index--) {
      const member = keys[index];
      pending.push([object, member, `${where}.${member}`, deeper ? `${at}.${member}` : at, depth + 1, isIdentityKey(member)]);
    }
    // Keys in document order, before the values (they are read first).
    for (const member of keys) visitor.key(object, member, at);
  }
}

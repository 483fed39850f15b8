// Every string, object key and number of a parsed JSON value, in document order, each with the
// path pattern a reader joins pieces by (array positions as `[*]`), its location for findings, and
// whether its key names an identifier (ids, types, names, roles…) rather than text. No field is
// left out by name: the masker decides what to do with each, and only fields a provider handler has
// claimed (already masked as a stream) are skipped. Paths are kept as links to the parent and
// spelled out only when asked for (most strings of an event are identifiers that never need one).

type Container = Record<string, unknown> | unknown[];

/** One step of a path: a member or an array position, below its parent (undefined: the walk's root member). */
export interface Step {
  parent: Step | undefined;
  key: string | number;
  depth: number;
}

/** Where a visited member is: its container and key, the step of its container, and the names of the root. */
export interface Place {
  container: Container;
  key: string | number;
  /** The container's step. */
  step: Step | undefined;
  base: { pattern: string; location: string };
}

/**
 * Receives each member with its place; `patternOf(place)` and `locationOf(place)` spell where it is
 * when needed. The place object is reused: copy what is kept.
 */
export interface JsonVisitor {
  /** A string value; `identity`: its key names an identifier, not text. */
  string(place: Place, value: string, identity: boolean): void;
  /** An object key (its own text); `place.container[place.key]` is its value. */
  key(place: Place): void;
  /** A number, as its source text (digits a card or phone number may hide in). */
  number(place: Place, source: string): void;
  /** Called for each object member before it is walked; true: the visitor took care of it (not walked). */
  member?(container: Record<string, unknown>, key: string, value: unknown): boolean;
}

/** Members handled elsewhere (a handler's text streams): skipped with everything inside them. */
export interface Claims {
  claim(container: unknown, key: string | number): void;
  has(container: unknown, key: string | number): boolean;
}

export function createClaims(): Claims {
  let claimed: Map<unknown, Set<string | number>> | undefined;
  return {
    claim(container, key) {
      if (typeof container !== "object" || container === null) return;
      claimed ??= new Map();
      let keys = claimed.get(container);
      if (!keys) claimed.set(container, (keys = new Set()));
      keys.add(key);
    },
    has: (container, key) => claimed?.get(container)?.has(key) === true,
  };
}

// Identifiers a provider sends whole in every event or object: masked on their own, never joined
// with the same field of other events (a repeated id would otherwise read as one growing token).
// Opaque tokens the provider encrypts for itself (`encrypted_content`, a thinking `signature`) are
// masked the same way (they are text to no reader, and are not media either).
const IDENTITY = /^(?:id|object|type|role|name|model|status|created|index|signature|obfuscation|encrypted_content|system_fingerprint|service_tier|finish_reason|stop_reason|stop_sequence|sequence_number|tool_choice|truncation|modelVersion|[a-z]+(?:_[a-z]+)*_(?:id|index|at|type)|[a-z]+(?:[A-Z][a-z]+)*Id)$/;
const identityKeys = new Map<string, boolean>();

/** Whether a field of this name holds an identifier rather than text. */
export function isIdentityKey(key: string): boolean {
  let known = identityKeys.get(key);
  if (known === undefined) {
    known = IDENTITY.test(key);
    if (identityKeys.size < 4096) identityKeys.set(key, known);
  }
  return known;
}

// A number kept as its source text by parseJsonBody (JSON.rawJSON) is a frozen object, but a number.
const isRawJson = (JSON as unknown as { isRawJSON?: (value: unknown) => boolean }).isRawJSON ?? (() => false);
/** Locations stop growing past this depth (the walk itself has no limit). */
const MAX_LOCATION_DEPTH = 64;

// The base names the walk's root member, so neither it (the step without a parent) nor, for the
// root member itself (no step), its key is spelled.
const part = (key: string | number, wildcard: boolean) => (typeof key === "number" ? (wildcard ? "[*]" : `[${key}]`) : `.${key}`);

function spell(place: Place, wildcard: boolean, withKey: boolean): string {
  const parts: string[] = [];
  const depthOf = (place.step?.depth ?? 0) + 1;
  if (withKey && place.step !== undefined && (wildcard || depthOf <= MAX_LOCATION_DEPTH)) parts.push(part(place.key, wildcard));
  for (let at = place.step; at?.parent !== undefined; at = at.parent) {
    if (at.depth > MAX_LOCATION_DEPTH && !wildcard) continue;
    parts.push(part(at.key, wildcard));
  }
  let out = wildcard ? place.base.pattern : place.base.location;
  for (let index = parts.length - 1; index >= 0; index--) out += parts[index];
  return out;
}

/** The path of a place with array positions as `[*]` (pieces at one pattern are read as one text). */
export const patternOf = (place: Place): string => spell(place, true, true);
/** The path of a place for finding counts (`response.choices[0].message.content`). */
export const locationOf = (place: Place): string => spell(place, false, true);
/** The path of the object holding a key (where a key's findings are counted). */
export const containerLocationOf = (place: Place): string => spell(place, false, false);

/** Visits everything inside `container[key]`; `pattern` and `location` name that member. Iterative: any depth. */
export function walkJson(container: Container, key: string | number, pattern: string, location: string, visitor: JsonVisitor, claims?: Claims): void {
  new Walk(visitor, claims, { container, key, step: undefined, base: { pattern, location } }).run(container, key);
}

// One walk's state. Containers wait on four parallel stacks (their container, key, the container's
// step, whether they are an identifier) rather than a tuple each: depth first, document order
// within each path pattern, as a stack of tuples pushed in reverse would pop them.
class Walk {
  private readonly parents: Container[] = [];
  private readonly names: (string | number)[] = [];
  private readonly steps: (Step | undefined)[] = [];
  private readonly identities: boolean[] = [];

  constructor(
    private readonly visitor: JsonVisitor,
    private readonly claims: Claims | undefined,
    private readonly place: Place,
  ) {}

  run(container: Container, key: string | number): void {
    // The root member: visited, or walked when it is a container.
    if (this.visit(container, key, (container as Record<string | number, unknown>)[key], undefined, false)) return;
    this.push(container, key, undefined, false);
    const { parents, names, steps, identities, place, visitor } = this;
    while (parents.length > 0) {
      const parent = parents.pop() as Container;
      const name = names.pop() as string | number;
      const parentStep = steps.pop();
      const identity = identities.pop() as boolean;
      const value = (parent as Record<string | number, unknown>)[name] as Container;
      const step: Step = { parent: parentStep, key: name, depth: parentStep ? parentStep.depth + 1 : 1 };
      const first = parents.length; // this container's own containers are pushed from here, then put in reverse
      if (Array.isArray(value)) {
        for (let index = 0; index < value.length; index++) {
          if (!this.visit(value, index, value[index], step, identity)) this.push(value, index, step, identity);
        }
      } else {
        const object = value as Record<string, unknown>;
        const keys = Object.keys(object);
        // Keys in document order, before the values (they are read first).
        place.container = object;
        place.step = step;
        for (const member of keys) {
          place.key = member;
          visitor.key(place);
        }
        for (const member of keys) {
          const memberIdentity = isIdentityKey(member);
          if (!this.visit(object, member, object[member], step, memberIdentity)) this.push(object, member, step, memberIdentity);
        }
      }
      this.reverseFrom(first);
    }
  }

  private push(parent: Container, name: string | number, step: Step | undefined, identity: boolean): void {
    this.parents.push(parent);
    this.names.push(name);
    this.steps.push(step);
    this.identities.push(identity);
  }

  /** Puts the entries pushed from `first` on in reverse order, so the first of them is walked first. */
  private reverseFrom(first: number): void {
    const { parents, names, steps, identities } = this;
    for (let low = first, high = parents.length - 1; low < high; low++, high--) {
      const parent = parents[low] as Container;
      parents[low] = parents[high] as Container;
      parents[high] = parent;
      const name = names[low] as string | number;
      names[low] = names[high] as string | number;
      names[high] = name;
      const step = steps[low];
      steps[low] = steps[high];
      steps[high] = step;
      const identity = identities[low] as boolean;
      identities[low] = identities[high] as boolean;
      identities[high] = identity;
    }
  }

  /**
   * A member that is not a container is visited at once; true when the member needs no walk below it
   * (visited, claimed, or taken by the visitor). A container is walked from the stacks without being
   * asked again: claims and the visitor's member() answer the same for the same member (member()
   * changes something only when it takes it).
   */
  private visit(parent: Container, name: string | number, value: unknown, step: Step | undefined, identity: boolean): boolean {
    if (this.claims?.has(parent, name)) return true;
    const visitor = this.visitor;
    if (visitor.member && typeof name === "string" && visitor.member(parent as Record<string, unknown>, name, value)) return true;
    if (typeof value === "object" && value !== null && !isRawJson(value)) return false;
    const place = this.place;
    place.container = parent;
    place.key = name;
    place.step = step;
    if (typeof value === "string") visitor.string(place, value, identity);
    else if (typeof value === "number") visitor.number(place, String(value));
    else if (isRawJson(value)) visitor.number(place, JSON.stringify(value));
    return true;
  }
}

// walkJson (parallel stacks, a container asked once) against the walk it replaced (tuples on one
// stack, a container asked again when taken from it), copied below as the reference: the same
// callbacks in the same order with the same places (spelled patterns and locations), on random JSON
// with claimed members, members the visitor takes, numbers kept as source text and deep nesting.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseJsonBodyExact } from "./json-body.js";
import { type Claims, containerLocationOf as containerLocationAt, createClaims, isIdentityKey, type JsonVisitor, locationOf as locationAt, type Place, patternOf as patternAt, type Step, walkJson } from "./json-walk.js";

type Container = Record<string, unknown> | unknown[];
const isRawJson = (JSON as unknown as { isRawJSON?: (value: unknown) => boolean }).isRawJSON ?? (() => false);

// ---- the reference: json-walk.ts's walkJson before this round ----
// A container member still to walk: its container, key, the container's step, and whether it is an identifier.
type Pending = [Container, string | number, Step | undefined, boolean];

function referenceWalk(container: Container, key: string | number, pattern: string, location: string, visitor: JsonVisitor, claims?: Claims): void {
  const base = { pattern, location };
  const place: Place = { container, key, step: undefined, base };
  const pending: Pending[] = [[container, key, undefined, false]];
  // A member that is not a container is visited at once; containers wait on the stack (depth first,
  // document order within each path pattern). True when the member needs no walk below it.
  const visit = (parent: Container, name: string | number, value: unknown, step: Step | undefined, identity: boolean): boolean => {
    if (claims?.has(parent, name)) return true;
    if (visitor.member && typeof name === "string" && visitor.member(parent as Record<string, unknown>, name, value)) return true;
    if (typeof value === "object" && value !== null && !isRawJson(value)) return false;
    place.container = parent;
    place.key = name;
    place.step = step;
    if (typeof value === "string") visitor.string(place, value, identity);
    else if (typeof value === "number") visitor.number(place, String(value));
    else if (isRawJson(value)) visitor.number(place, JSON.stringify(value));
    return true;
  };
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [parent, name, parentStep, identity] = next;
    const value = (parent as Record<string | number, unknown>)[name];
    if (visit(parent, name, value, parentStep, identity)) continue;
    const step: Step = { parent: parentStep, key: name, depth: parentStep ? parentStep.depth + 1 : 1 };
    if (Array.isArray(value)) {
      let containers: number[] | undefined;
      for (let index = 0; index < value.length; index++) {
        if (!visit(value, index, value[index], step, identity)) (containers ??= []).push(index);
      }
      if (containers) for (let at = containers.length - 1; at >= 0; at--) pending.push([value, containers[at], step, identity]);
      continue;
    }
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object);
    // Keys in document order, before the values (they are read first).
    place.container = object;
    place.step = step;
    for (const member of keys) {
      place.key = member;
      visitor.key(place);
    }
    let containers: string[] | undefined;
    for (const member of keys) {
      if (!visit(object, member, object[member], step, isIdentityKey(member))) (containers ??= []).push(member);
    }
    if (containers) for (let at = containers.length - 1; at >= 0; at--) pending.push([object, containers[at], step, isIdentityKey(containers[at])]);
  }
}

// ---- the test ----

/** Every callback, in order, with its place spelled; `take`: member names the visitor takes. */
function recorder(take: Set<string>, spelled = true): { visitor: JsonVisitor; calls: unknown[] } {
  const calls: unknown[] = [];
  const patternOf = spelled ? patternAt : (place: Place) => place.step?.depth;
  const locationOf = spelled ? locationAt : (place: Place) => place.step?.depth;
  const containerLocationOf = spelled ? containerLocationAt : (place: Place) => place.step?.depth;
  const visitor: JsonVisitor = {
    string(place: Place, value: string, identity: boolean) {
      calls.push(["string", value, identity, patternOf(place), locationOf(place), place.key, place.step?.depth]);
    },
    key(place: Place) {
      calls.push(["key", place.key, containerLocationOf(place), patternOf(place)]);
    },
    number(place: Place, source: string) {
      calls.push(["number", source, locationOf(place)]);
    },
    member(_container: Record<string, unknown>, key: string, value: unknown) {
      const taken = take.has(key);
      calls.push(["member", key, typeof value, taken]);
      return taken;
    },
  };
  return { visitor, calls };
}

/** The members `chosen` names, claimed wherever they are in `value`. */
function claimsOf(value: unknown, chosen: Set<string>): Claims {
  const claims = createClaims();
  const pending = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next !== "object" || next === null) continue;
    for (const [key, member] of Object.entries(next)) {
      if (chosen.has(key)) claims.claim(next, Array.isArray(next) ? Number(key) : key);
      pending.push(member);
    }
  }
  return claims;
}

const name = fc.constantFrom("id", "content", "text", "logprobs", "a", "b", "0", "choices", "message", "role");
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, fc.string({ maxLength: 4 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(null), fc.boolean(), fc.constant("12345678901234567890123"), tie("object"), tie("array")),
  object: fc.dictionary(name, tie("value"), { maxKeys: 4 }),
  array: fc.array(tie("value"), { maxLength: 4 }),
})).value;

function both(holder: Container, key: string | number, take: Set<string>, claimed: Set<string>, spelled = true) {
  const before = recorder(take, spelled);
  const after = recorder(take, spelled);
  referenceWalk(holder, key, "p", "loc", before.visitor, claimsOf(holder, claimed));
  walkJson(holder, key, "p", "loc", after.visitor, claimsOf(holder, claimed));
  // The reference asked a container's member() twice (once more when taken from the stack); the
  // answers were the same: compare without the repeats.
  return { expected: before.calls, actual: after.calls };
}

function withoutRepeats(calls: unknown[]): unknown[] {
  const seen = new Set<string>();
  return calls.filter((call) => {
    const text = JSON.stringify(call);
    const repeat = (call as unknown[])[0] === "member" && (call as unknown[])[2] === "object" && !(call as unknown[])[3] && seen.has(text);
    seen.add(text);
    return !repeat;
  });
}

const visits = (calls: unknown[]) => calls.filter((call) => (call as unknown[])[0] !== "member");

describe("walkJson", () => {
  it("visits what the previous walk visited, in the same order, at the same places", () => {
    fc.assert(fc.property(json, fc.subarray(["id", "content", "logprobs", "a", "0"]), fc.subarray(["text", "b", "message", "0"]), fc.boolean(), (value, take, claimed, raw) => {
      // Long numbers kept as source text (JSON.rawJSON), as parseJsonBodyExact reads a reply.
      const document = raw ? parseJsonBodyExact(JSON.stringify(value).replace(/"12345678901234567890123"/g, "12345678901234567890123")).value : value;
      const holder = { documents: [document] };
      const { expected, actual } = both(holder.documents, 0, new Set(take), new Set(claimed));
      expect(visits(actual)).toEqual(visits(expected));
      expect(withoutRepeats(actual)).toEqual(withoutRepeats(expected));
    }), { numRuns: 300 });
  });

  it("keeps an identifier's nesting, claims and taken members as the previous walk did", () => {
    const documents = [
      { id: [["a", { x: "b" }], "c"], content: [["d", ["e"]]], role: { name: [["f"]] } },
      { choices: [{ message: { content: "x", role: "assistant" }, logprobs: { content: [{ token: "x" }] } }], text: ["y", ["z"]], b: { a: [1, "2"] } },
    ];
    for (const document of documents) {
      for (const [take, claimed] of [[[], []], [["logprobs"], ["text"]], [["a"], ["message", "b"]]] as const) {
        const { expected, actual } = both([document], 0, new Set(take), new Set(claimed));
        expect(visits(actual)).toEqual(visits(expected));
        expect(withoutRepeats(actual)).toEqual(withoutRepeats(expected));
      }
    }
  });

  it("walks a root that is not a container, and a deep document without recursion", () => {
    for (const root of ["text", 12, null, true]) {
      const { expected, actual } = both([root], 0, new Set(), new Set());
      expect(actual).toEqual(expected);
    }
    let deep: unknown = "bottom";
    for (let level = 0; level < 5_000; level++) deep = level % 2 === 0 ? [deep] : { a: deep };
    const { expected, actual } = both([deep], 0, new Set(), new Set(), false);
    expect(visits(actual)).toEqual(visits(expected));
  });
});

// The inspected reply's headers without content-encoding and content-length, made as a copy
// (relay-inspected.ts), against what was done before: a spread copy with both deleted.
import type { OutgoingHttpHeaders } from "node:http";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { withoutLengthAndCoding } from "./relay-inspected.js";

function previous(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  const copy = { ...headers };
  delete copy["content-encoding"];
  delete copy["content-length"];
  return copy;
}

const name = fc.constantFrom("content-type", "content-length", "content-encoding", "date", "x-request-id", "set-cookie", "__proto__", "constructor", "123", "0", "x-b", "toString");
const value = fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }), fc.integer(), fc.constant(undefined));

/** A headers object with `entries` as own properties in that order (a name given twice keeps its first place). */
function headersOf(entries: [string, unknown][]): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [key, item] of entries) Object.defineProperty(headers, key, { value: item, enumerable: true, writable: true, configurable: true });
  return headers;
}

describe("withoutLengthAndCoding", () => {
  it("gives the spread copy with both deleted: the same own properties, values and order, then with the new length", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(name, value), { maxLength: 10 }), fc.string(), (entries, length) => {
        const headers = headersOf(entries);
        const ours = withoutLengthAndCoding(headers);
        const reference = previous(headers);
        expect(Reflect.ownKeys(ours)).toEqual(Reflect.ownKeys(reference));
        expect(ours).toStrictEqual(reference);
        expect(Object.getPrototypeOf(ours)).toBe(Object.getPrototypeOf(reference));
        const sent = { ...ours, "content-length": length };
        const before = { ...reference, "content-length": length };
        expect(Reflect.ownKeys(sent)).toEqual(Reflect.ownKeys(before));
        expect(sent).toStrictEqual(before);
        expect(headers).toStrictEqual(headersOf(entries)); // the given object is left as it was
      }),
      { numRuns: 2000 },
    );
  });
});

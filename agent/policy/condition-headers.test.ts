// conditionHeaders read by key against the previous reading by Object.entries: the same object.
import type { IncomingHttpHeaders } from "node:http";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { conditionHeaders } from "./activation.js";

const secretHeaders = new Set(["authorization", "x-api-key", "cookie", "proxy-authorization"]);
function previous(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || secretHeaders.has(lower)) continue;
    out[lower] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

const name = fc.constantFrom("x-team", "X-Team", "authorization", "Cookie", "content-type", "x-stainless-os", "123", "__proto__", "constructor", "user-agent");
const value = fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }), fc.constant(undefined));

describe("conditionHeaders", () => {
  it("reads headers as before: the same names, values, order and prototype", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(name, value), { maxLength: 10 }), fc.boolean(), (entries, nullPrototype) => {
        const headers = (nullPrototype ? Object.create(null) : {}) as IncomingHttpHeaders;
        for (const [key, item] of entries) Object.defineProperty(headers, key, { value: item, enumerable: true, writable: true, configurable: true });
        const ours = conditionHeaders(headers);
        const reference = previous(headers);
        expect(Reflect.ownKeys(ours)).toEqual(Reflect.ownKeys(reference));
        expect(ours).toStrictEqual(reference);
        expect(Object.getPrototypeOf(ours)).toBe(Object.getPrototypeOf(reference));
      }),
      { numRuns: 2000 },
    );
  });
});

// forwardedHeaderNames without building passable()'s object, against the previous
// Object.keys(passable(...)) (copied): the same names in the same order.
import type { IncomingHttpHeaders } from "node:http";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { forwardedHeaderNames } from "./headers.js";

const hopByHop = new Set(["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"]);
function previous(headers: IncomingHttpHeaders, credentialHeader: string): string[] {
  const value = headers.connection;
  const list = value === undefined ? "" : Array.isArray(value) ? value.join(",") : value;
  const named = new Set(list.split(",").map((token) => token.trim().toLowerCase()).filter(Boolean));
  const drop = new Set(["authorization", "x-api-key", "host", "content-length", "accept-encoding", "expect", "content-encoding", credentialHeader.toLowerCase()]);
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(headers)) {
    const item = headers[name];
    const lower = name.toLowerCase();
    if (item === undefined || hopByHop.has(lower) || named.has(lower) || drop.has(lower)) continue;
    out[lower] = item;
  }
  return Object.keys(out);
}

const name = fc.constantFrom("x-team", "X-Team", "authorization", "Authorization", "x-upstream-key", "connection", "keep-alive", "x-drop-me", "te", "host", "content-type", "user-agent", "123", "7", "__proto__", "constructor", "x-stainless-os");
const value = fc.oneof(fc.string(), fc.constantFrom("keep-alive", "x-drop-me, TE", "close"), fc.array(fc.constantFrom("a", "x-drop-me"), { maxLength: 2 }), fc.constant(undefined));

describe("forwardedHeaderNames", () => {
  it("names what passable() kept, in its order, for headers in any case and order", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(name, value), { maxLength: 12 }), fc.constantFrom("authorization", "X-Upstream-Key", "x-api-key"), fc.boolean(), (entries, credential, nullPrototype) => {
        const headers = (nullPrototype ? Object.create(null) : {}) as IncomingHttpHeaders;
        for (const [key, item] of entries) Object.defineProperty(headers, key, { value: item, enumerable: true, writable: true, configurable: true });
        expect(forwardedHeaderNames(headers, credential)).toEqual(previous(headers, credential));
      }),
      { numRuns: 5000 },
    );
  });
});

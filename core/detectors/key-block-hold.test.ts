// keyBlockHold (the secrets detector's hold for a private key block) against the form it had before
// it searched forward first (kept below as the reference): the same index for any text — markers
// whole, cut at the end, completed by an END line or not, several of them, none.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { keyBlockHold } from "./secrets.js";

const beginMarker = "-----BEGIN ";
const completeEnd = /-----END [A-Z0-9 ]*-----/;

function reference(text: string): number {
  const begin = text.lastIndexOf(beginMarker);
  if (begin >= 0 && !completeEnd.test(text.slice(begin)) && text.length - begin <= 16_384) return begin;
  for (let length = Math.min(beginMarker.length, text.length); length > 0; length--) {
    if (text.endsWith(beginMarker.slice(0, length))) return text.length - length;
  }
  return text.length;
}

const pieces = ["-----BEGIN ", "-----BEGIN RSA PRIVATE KEY-----\n", "-----END RSA PRIVATE KEY-----", "-----END ", "-----", "--", "-----BEG", "MIIEowIBAAKCAQEA", "tok12 ", " ", "\n", "x".repeat(17_000)];
const text = fc.array(fc.oneof(fc.constantFrom(...pieces), fc.string({ unit: fc.constantFrom("-", "B", "E", "G", "I", "N", " ", "a"), maxLength: 12 })), { maxLength: 8 }).map((parts) => parts.join(""));

describe("keyBlockHold", () => {
  it("holds from where the former search held, for any text", () => {
    for (const value of ["", "tok12 tok13", "a -----BEGIN ", "-----BEGIN RSA", "x -----BEGIN A-----\nB\n-----END A-----", "-----BEGIN A-----\n-----END A----- -----BEGIN B", "abc -----BE"]) expect(keyBlockHold(value), value).toBe(reference(value));
    fc.assert(fc.property(text, (value) => {
      expect(keyBlockHold(value)).toBe(reference(value));
    }), { numRuns: 3000 });
  });
});

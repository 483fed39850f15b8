import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createSecretBox, SecretOpenError } from "./secret-box.js";

describe("createSecretBox", () => {
  const box = createSecretBox(randomBytes(32));

  it("seals to a fresh value each time and opens it again", () => {
    const a = box.seal("Bearer sk-secret");
    const b = box.seal("Bearer sk-secret");
    expect(a).not.toBe(b);
    expect(a).not.toContain("sk-secret");
    expect(box.open(a)).toBe("Bearer sk-secret");
    expect(box.keyIdOf(a)).toBe(box.keyId);
  });

  it("refuses values of another key, altered values and plaintext", () => {
    const other = createSecretBox(randomBytes(32));
    expect(() => box.open(other.seal("x"))).toThrow(SecretOpenError);
    const sealed = box.seal("payload");
    const parts = sealed.split(".");
    const body = Buffer.from(parts[3]!, "base64url");
    body[0]! ^= 1;
    expect(() => box.open([...parts.slice(0, 3), body.toString("base64url")].join("."))).toThrow(/does not authenticate/);
    expect(() => box.open("Bearer sk-plain")).toThrow(/not a sealed value/);
    expect(box.keyIdOf("Bearer sk-plain")).toBeUndefined();
  });

  it("needs a 32-byte key", () => {
    expect(() => createSecretBox(randomBytes(16))).toThrow(/32 bytes/);
  });

  it("seals with its first key and opens values of every key of its ring", () => {
    const [oldKey, newKey] = [randomBytes(32), randomBytes(32)];
    const old = createSecretBox(oldKey);
    const ring = createSecretBox(newKey, [oldKey]);
    expect(ring.keyIds).toEqual([ring.keyId, old.keyId]);
    expect(ring.keyIdOf(ring.seal("x"))).toBe(ring.keyId);
    expect(ring.open(old.seal("from the old key"))).toBe("from the old key");
    expect(() => old.open(ring.seal("y"))).toThrow(/sealed with key .* not with key/);
  });
});

// Secrets are stored as sha256 hex and compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** The sha256 hex digest under which a token is stored. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Whether `token` hashes to `storedHash`, compared in constant time. */
export function matchesHash(token: string, storedHash: string): boolean {
  const actual = Buffer.from(hashToken(token), "hex");
  const expected = Buffer.from(storedHash, "hex");
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** 32 random bytes as base64url (43 characters): the secret part of every token we mint. */
export function randomSecret(): string {
  return randomBytes(32).toString("base64url");
}

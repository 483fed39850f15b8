// Names of the Redis keys of shared limits. The identity is hashed: Redis never holds subjects or
// issuers, and every key has a bounded length. The hash is a Redis Cluster hash tag, so all the
// windows of one identity (one admission touches several) live in one slot.
import { createHash } from "node:crypto";

/** The part of a key naming one identity: `{<22 base64url chars of SHA-256(issuer NUL subject)>}`. */
export function identityTag(issuer: string, subject: string): string {
  return `{${createHash("sha256").update(issuer).update("\u0000").update(subject).digest("base64url").slice(0, 22)}}`;
}

/** The key of one window: prefix, identity tag, policy name and kind (`r` requests, `t` tokens). */
export function windowKey(prefix: string, tag: string, policy: string, kind: "r" | "t"): string {
  return `${prefix}${tag}:${policy}:${kind}`;
}

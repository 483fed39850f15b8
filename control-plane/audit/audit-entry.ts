// One entry of the audit chain and its hash: SHA-256 over the JCS encoding of
// {seq, time, type, subject, payload, prev_hash}, hex. Shared by the appender and every verifier
// (online and offline), so the definition lives in this one place.
import { hash } from "node:crypto";
import { canonicalEntry } from "./entry-canonical.js";
import type { AuditEntry } from "./entry-shape.js";

export { AUDIT_EVENT_TYPES, type AuditEntry, type AuditEventType } from "./entry-shape.js";

/** The prev_hash of the first entry. */
export const GENESIS_HASH = "0".repeat(64);

/** The hash an entry with these fields must carry. */
export function entryHash(entry: Omit<AuditEntry, "hash">): string {
  return textHash(canonicalEntry(entry));
}

/** The hash of an entry whose canonical text is `canonical` (canonical-json.ts, entry-canonical.ts). */
export function textHash(canonical: string): string {
  // One-shot hash: no Hash object per entry (strings are hashed as UTF-8).
  return hash("sha256", canonical, "hex");
}

// One entry of the audit chain and its hash: SHA-256 over the JCS encoding of
// {seq, time, type, subject, payload, prev_hash}, hex. Shared by the appender and every verifier
// (online and offline), so the definition lives in this one place.
import { hash } from "node:crypto";
import type { JsonValue } from "./canonical-json.js";
import { canonicalEntry } from "./entry-canonical.js";

/** What an audit event is about. */
export type AuditEventType = "session" | "admin" | "alert" | "review" | "block";

/** Every event type, in the order the `audit_log.type` check lists them. */
export const AUDIT_EVENT_TYPES: readonly AuditEventType[] = ["session", "admin", "alert", "review", "block"];

/** The prev_hash of the first entry. */
export const GENESIS_HASH = "0".repeat(64);

/** An entry as stored (and exported). */
export interface AuditEntry {
  seq: number;
  /** RFC 3339, UTC, milliseconds: `2026-11-29T18:49:00.000Z`. */
  time: string;
  type: AuditEventType;
  subject: string;
  payload: { [key: string]: JsonValue };
  prev_hash: string;
  hash: string;
}

/** The hash an entry with these fields must carry. */
export function entryHash(entry: Omit<AuditEntry, "hash">): string {
  // One-shot hash: no Hash object per entry (strings are hashed as UTF-8).
  return hash("sha256", canonicalEntry(entry), "hex");
}

// The shape of one audit chain entry and its event types: what the appender writes, the hash
// covers and every verifier reads; imports no other part of the chain.
import type { JsonValue } from "./canonical-json.js";

/**
 * What an audit event is about. `sessions`: the sessions one commit stored, listed in one entry
 * (since migration 0022); `session`: one session per entry, as written before.
 */
export type AuditEventType = "session" | "sessions" | "admin" | "alert" | "review" | "block";

/** Every event type, in the order the `audit_log.type` check lists them. */
export const AUDIT_EVENT_TYPES: readonly AuditEventType[] = ["session", "admin", "alert", "review", "block", "sessions"];

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

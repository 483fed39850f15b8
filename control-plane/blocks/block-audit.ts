// Audit events of blocks, unblocks and alerts, appended to the audit chain in the transaction that
// makes the change (so the log and the state never disagree).
import type { EntityManager } from "@mikro-orm/sql";
import { appendAuditEvents } from "../audit/audit-log.js";

/** One audit event about a block, an unblock or an alert. */
export interface AuditNote {
  type: "alert" | "block";
  /** The identity the event is about. */
  subject: string;
  payload: Record<string, unknown>;
}

/** Appends `note` to the audit log inside `tx` (commits with the change it describes). */
export async function noteAudit(tx: EntityManager, note: AuditNote): Promise<void> {
  await appendAuditEvents(tx, [note]);
}

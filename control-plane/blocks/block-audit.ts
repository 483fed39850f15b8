// Audit events of blocks and alerts, in the shape of the audit chain's appendAuditEvents input.
import type { EntityManager } from "@mikro-orm/sql";

/** One audit event about a block, an unblock or an alert. */
export interface AuditNote {
  type: "alert" | "block";
  /** The identity the event is about. */
  subject: string;
  payload: Record<string, unknown>;
}

/** Appends `note` to the audit log inside `tx` (commits with the change it describes). */
export async function noteAudit(tx: EntityManager, note: AuditNote): Promise<void> {
  // Wired to control-plane/audit/audit-log.ts appendAuditEvents when the audit chain lands.
  void tx;
  void note;
}

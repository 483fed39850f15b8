// Change events: one row per admin change, written in the change's own transaction. Their highest
// id is the configuration version every replica derives the same way.
import type { EntityManager } from "@mikro-orm/sql";
import { markChanged } from "./database.js";

/** The PostgreSQL channel on which committed changes are announced. */
export const CHANGE_CHANNEL = "palisade_changes";

/** What changed. */
export interface Change {
  kind: string;    // "connection", "identity_provider", "service_account", "agent", "signing_key"
  name: string;
  action: "create" | "update" | "delete";
  actor: string;
}

/** Inserts the change event and queues its notification; both take effect at commit. */
export async function recordChange(tx: EntityManager, change: Change): Promise<void> {
  const rows = await tx.execute<{ id: string | number }[]>(
    "insert into change_event (kind, name, action, actor) values (?, ?, ?, ?) returning id",
    [change.kind, change.name, change.action, change.actor],
  );
  // NOTIFY inside a transaction is delivered when it commits, and not at all on rollback.
  await tx.execute("select pg_notify(?, ?)", [CHANGE_CHANNEL, String(rows[0]!.id)]);
  markChanged(tx);
}

/** The current configuration version: the highest change-event id, "0" before any change. */
export async function currentVersion(em: EntityManager): Promise<string> {
  const rows = await em.execute<{ version: string | number | null }[]>(
    "select max(id) as version from change_event",
  );
  return String(rows[0]?.version ?? 0);
}

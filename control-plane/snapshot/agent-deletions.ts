// An agent deleted through one replica may be streaming from another: every replica watches the
// change log for agent deletions and ends the deleted agent's local streams.
import type { Logger } from "pino";
import type { Database } from "../storage/database.js";
import type { SnapshotCache } from "./snapshot-cache.js";

/** What the watcher needs. */
export interface AgentDeletionDeps {
  db: Database;
  snapshots: SnapshotCache;
  /** Ends the local streams of an agent. */
  disconnect(agentName: string): void;
  logger: Logger;
}

/** Calls `disconnect` for every agent deleted after now; returns a function that stops watching. */
export function watchAgentDeletions(deps: AgentDeletionDeps): () => void {
  let seenUpTo = deps.snapshots.version();
  let pending = Promise.resolve();
  const check = async () => {
    const upTo = deps.snapshots.version();
    if (BigInt(upTo) <= BigInt(seenUpTo)) return;
    const rows = await deps.db.em().execute<{ name: string }[]>(
      "select name from change_event where kind = 'agent' and action = 'delete' and id > ? and id <= ? order by id",
      [seenUpTo, upTo],
    );
    seenUpTo = upTo;
    for (const { name } of rows) deps.disconnect(name);
  };
  // Checks run one after another so that each range of ids is read exactly once.
  return deps.snapshots.watch(() => {
    pending = pending.then(check).catch((error: unknown) => deps.logger.warn({ err: error }, "agent deletion check failed"));
  });
}

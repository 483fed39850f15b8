// An agent deleted, or its enrolment token replaced (`palisade agent create NAME --rotate`), through
// one replica may be streaming from another: every replica watches the change log for both and ends
// that agent's local streams. A stream lives only as long as the token it authenticated with: a
// rotation is how a leaked token is cut off, and a stream opened with it would otherwise go on
// receiving every snapshot — the connections' credentials included — for as long as it stays up.
import type { Logger } from "pino";
import type { Database } from "../storage/database.js";
import type { SnapshotCache } from "./snapshot-cache.js";

/** Why an agent's streams end: deleted, or its token replaced. */
export type AgentRevocation = "deleted" | "rotated";

/** What the watcher needs. */
export interface AgentRevocationDeps {
  db: Database;
  snapshots: SnapshotCache;
  /** Ends the local streams of an agent. */
  disconnect(agentName: string, why: AgentRevocation): Promise<void>;
  logger: Logger;
}

/** Calls `disconnect` for every agent deleted or rotated after now; returns a function that stops watching. */
export function watchAgentRevocations(deps: AgentRevocationDeps): () => void {
  let seenUpTo = deps.snapshots.version();
  let pending = Promise.resolve();
  const check = async () => {
    const upTo = deps.snapshots.version();
    if (BigInt(upTo) <= BigInt(seenUpTo)) return;
    // 'update' of an agent is a token rotation (an enrolment never changes otherwise).
    const rows = await deps.db.em().execute<{ name: string; action: string }[]>(
      "select name, action from change_event where kind = 'agent' and action in ('delete', 'update') and id > ? and id <= ? order by id",
      [seenUpTo, upTo],
    );
    seenUpTo = upTo;
    for (const { name, action } of rows) await deps.disconnect(name, action === "delete" ? "deleted" : "rotated");
  };
  // Checks run one after another so that each range of ids is read exactly once.
  return deps.snapshots.watch(() => {
    pending = pending.then(check).catch((error: unknown) => deps.logger.warn({ err: error }, "agent revocation check failed"));
  });
}

// Immutable per-segment snapshots, rebuilt when the database says the configuration changed:
// in-process signal after our own commits, LISTEN/NOTIFY for other replicas' (PostgreSQL), and a
// slow poll of the version as a safety net for lost notifications.
import type { Logger } from "pino";
import type { Snapshot } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import type { SnapshotSource } from "../stream/ports.js";
import { currentVersion } from "../storage/change-events.js";
import type { Database } from "../storage/database.js";
import type { CounterStoreSettings } from "../limits/counter-store-config.js";
import { type ChangeListener, listenForChanges } from "./change-listener.js";
import { type ConfigState, readConfigState, snapshotForSegment } from "./build-snapshot.js";

/** The snapshot source plus its lifecycle. */
export interface SnapshotCache extends SnapshotSource {
  /** The version of the published configuration. */
  version(): string;
  /** False while the LISTEN connection for other replicas' changes is down (always true on PGlite). */
  listening(): boolean;
  /** Rebuilds now if the database version moved; resolves when the cache has caught up. */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

/** Dependencies and tuning. */
export interface SnapshotCacheOptions {
  db: Database;
  logger: Logger;
  pollIntervalMs?: number;  // default 3000
  /** Where agents count global limits (sent in every snapshot); absent: none. */
  counterStore?: CounterStoreSettings;
}

/** Builds the first snapshots, then keeps them current until closed. */
export async function startSnapshotCache(options: SnapshotCacheOptions): Promise<SnapshotCache> {
  const { db, logger } = options;
  let state: ConfigState = await readConfigState(db, logger);
  let bySegment = new Map<string, Snapshot>();
  const watchers = new Set<() => void>();
  let closed = false;
  let running: Promise<void> | undefined;
  let again = false;

  const rebuild = async (): Promise<void> => {
    const next = await readConfigState(db, logger);
    if (closed || next.version === state.version) return;
    state = next;
    bySegment = new Map();
    logger.debug({ version: state.version }, "snapshot rebuilt");
    for (const watcher of [...watchers]) {
      try {
        watcher();
      } catch (error) {
        logger.error({ err: error }, "snapshot watcher failed");
      }
    }
  };

  // Rebuilds never overlap: a trigger during a rebuild schedules exactly one more.
  const refresh = (): Promise<void> => {
    if (closed) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await rebuild();
        } catch (error) {
          if (!closed) logger.error({ err: error }, "snapshot rebuild failed; keeping the last one");
        }
      } while (again && !closed);
    })().finally(() => { running = undefined; });
    return running;
  };
  const trigger = () => void refresh();

  const stopLocal = db.onLocalChange(trigger);
  let listener: ChangeListener | undefined;
  if (db.databaseUrl) listener = await listenForChanges(db.databaseUrl, trigger, logger);
  const poll = setInterval(() => {
    currentVersion(db.em())
      .then((version) => { if (version !== state.version) trigger(); })
      .catch((error: unknown) => { if (!closed) logger.warn({ err: error }, "snapshot version poll failed"); });
  }, options.pollIntervalMs ?? 3000);
  poll.unref();

  return {
    current(segment) {
      let snapshot = bySegment.get(segment);
      if (!snapshot) {
        snapshot = snapshotForSegment(state, segment, options.counterStore);
        bySegment.set(segment, snapshot);
      }
      return snapshot;
    },
    watch(onChange) {
      watchers.add(onChange);
      return () => watchers.delete(onChange);
    },
    version: () => state.version,
    listening: () => listener?.connected ?? true,
    refresh,
    async close() {
      closed = true;
      clearInterval(poll);
      stopLocal();
      watchers.clear();
      await listener?.close();
      await running;
    },
  };
}

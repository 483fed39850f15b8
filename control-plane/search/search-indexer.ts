// The background search indexer every replica runs: rounds after local commits and on a poll (one
// replica at a time does the work, the others find the lock taken), the lag measured each time,
// and a bound on it — while the oldest session not yet indexed is older than `maxLagMs`, each
// commit indexes its own sessions in its transaction (the price the commit path paid before), so
// the backlog stops growing and search never falls further behind than that. After an upgrade that
// changed what is indexed (migration 0025), the sessions stored before are re-indexed in rounds of
// their own, in the time the new sessions leave. docs/audit.md.
import { EventEmitter, once } from "node:events";
import type { Logger } from "pino";
import { chainHead } from "../audit/audit-log.js";
import type { Database } from "../storage/database.js";
import type { CommitObserver } from "../storage/exchanges.js";
import { indexRound, indexSessions, ROUND_SESSIONS, reindexRound, type SearchIndexLag } from "./search-index.js";
import { noSearchIndexMetrics, type SearchIndexMetrics } from "./search-index-metrics.js";

/** Default: look for unindexed sessions every 250 ms (and after every local commit). */
export const DEFAULT_SEARCH_POLL_MS = 250;
/** Default bound on the lag before commits index their own sessions. */
export const DEFAULT_SEARCH_MAX_LAG_MS = 10_000;
// PGlite is one session in the control plane's process: a round holds every other statement up,
// so rounds there are shorter (and more of them).
const PGLITE_ROUND_SESSIONS = 200;

/** How the indexer runs. */
export interface SearchIndexerOptions {
  db: Database;
  logger: Logger;
  metrics?: SearchIndexMetrics;
  pollMs?: number;
  /** Past this lag commits index their own sessions; 0 always (search never lags), Infinity never. */
  maxLagMs?: number;
  /** The clock the lag is measured by (epoch ms); default Date.now. */
  now?: () => number;
}

/** A running indexer. */
export interface SearchIndexer {
  /** For the exchange sink: indexes a commit's sessions while the lag is past the bound; wakes the indexer after commits. */
  readonly observer: CommitObserver;
  /** The lag as last measured by this replica. */
  lag(): SearchIndexLag;
  /** Resolves once every session committed before the call is indexed (by whichever replica). */
  caughtUp(): Promise<void>;
  /** Resolves once no session waits to be re-indexed (migration 0025), as this replica last saw. */
  reindexed(): Promise<void>;
  close(): Promise<void>;
}

/** Starts indexing in the background. */
export function startSearchIndexer(options: SearchIndexerOptions): SearchIndexer {
  const { db, logger } = options;
  const metrics = options.metrics ?? noSearchIndexMetrics;
  const maxLagMs = options.maxLagMs ?? DEFAULT_SEARCH_MAX_LAG_MS;
  const now = options.now ?? Date.now;
  const rounds = new EventEmitter();
  let last: SearchIndexLag = { entries: 0, oldestMs: undefined };
  let behind = maxLagMs <= 0;
  // Until a re-index round finds nothing left (once per process when there is none).
  let reindexing = true;
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;
  // The id lists a commit indexed itself, counted once that commit is through.
  const indexedInCommit = new WeakSet<readonly string[]>();

  // The lag as a round (or a read) just found it: sets the bound and the gauges.
  const observe = (lag: SearchIndexLag): void => {
    last = lag;
    const ageMs = lag.oldestMs === undefined ? 0 : Math.max(0, now() - lag.oldestMs);
    behind = maxLagMs <= 0 || (lag.oldestMs !== undefined && ageMs > maxLagMs);
    metrics.lag(lag.entries, ageMs / 1000);
  };

  const roundSessions = db.flavour === "pglite" ? PGLITE_ROUND_SESSIONS : ROUND_SESSIONS;
  const cycle = async (): Promise<void> => {
    for (;;) {
      again = false;
      // One statement: the round (a no-op when caught up) and the lag after it.
      const round = await indexRound(db.em(), roundSessions);
      observe(round.lag);
      metrics.indexed(round.indexed);
      // Another replica holds the lock: it indexes, this one keeps measuring on its poll.
      if (closed || !round.locked) return;
      // The re-index only gets rounds once the chain's backlog is done: new sessions come first.
      if (!round.more && reindexing) {
        const result = await db.transaction((tx) => reindexRound(tx, roundSessions));
        if (!result.locked) return;
        metrics.reindexed(result.indexed);
        if (result.more) continue;
        reindexing = false;
      }
      if (!round.more && !again) return;
    }
  };

  const kick = (): void => {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = cycle()
      .catch((error: unknown) => logger.warn({ err: error }, "search indexing failed; retrying"))
      .finally(() => {
        running = undefined;
        rounds.emit("round");
        if (again) kick();
      });
  };

  const timer = setInterval(kick, options.pollMs ?? DEFAULT_SEARCH_POLL_MS);
  timer.unref();
  kick();

  return {
    observer: {
      async inTransaction(tx, ids) {
        if (!behind) return;
        await indexSessions(tx, ids);
        indexedInCommit.add(ids);
      },
      committed(ids) {
        if (indexedInCommit.has(ids)) metrics.indexedInCommit(ids.length);
        kick();
      },
    },
    lag: () => last,
    async caughtUp() {
      const target = (await chainHead(db.em())).seq;
      for (;;) {
        const [row] = await db.em().execute<{ seq: string | number }[]>("select seq from search_index_progress where id = 1");
        if (Number(row?.seq ?? 0) >= target) return;
        if (closed) throw new Error("the search indexer was closed");
        const next = once(rounds, "round");
        kick();
        await next;
      }
    },
    async reindexed() {
      while (reindexing) {
        if (closed) throw new Error("the search indexer was closed");
        const next = once(rounds, "round");
        kick();
        await next;
      }
    },
    async close() {
      closed = true;
      clearInterval(timer);
      await running;
      rounds.emit("round");
    },
  };
}

// Search index series on the control plane's registry. Every replica measures the lag (it is the
// deployment's, read from the database); the indexed counters are this replica's work.
import { Counter, Gauge, type Registry } from "prom-client";

/** What the search indexer reports. */
export interface SearchIndexMetrics {
  /** Audit entries the indexer has not passed yet, and the age of the oldest (0 when caught up). */
  lag(entries: number, oldestSeconds: number): void;
  /** Sessions indexed by a background round of this replica. */
  indexed(sessions: number): void;
  /** Sessions indexed inside their own commit because the lag was past its bound. */
  indexedInCommit(sessions: number): void;
  /** Stored sessions re-indexed by this replica after an upgrade changed what is indexed. */
  reindexed(sessions: number): void;
}

/** Registers the search index series on `registry`. */
export function createSearchIndexMetrics(registry: Registry): SearchIndexMetrics {
  const registers = [registry];
  const lagEntries = new Gauge({ name: "palisade_control_plane_search_index_lag_entries", help: "Audit log entries the session text index has not caught up with yet", registers });
  const lagSeconds = new Gauge({ name: "palisade_control_plane_search_index_lag_seconds", help: "Age of the oldest committed session not yet in the text index; 0 when caught up", registers });
  const indexed = new Counter({ name: "palisade_control_plane_search_index_sessions_total", help: "Sessions added to the text index by this replica's background indexer", registers });
  const inCommit = new Counter({ name: "palisade_control_plane_search_index_in_commit_sessions_total", help: "Sessions indexed inside their own commit because the index lagged past its bound", registers });
  const reindexed = new Counter({ name: "palisade_control_plane_search_index_reindexed_sessions_total", help: "Stored sessions given the current text vector by this replica's re-index after an upgrade", registers });
  return {
    lag(entries, oldestSeconds) {
      lagEntries.set(entries);
      lagSeconds.set(oldestSeconds);
    },
    indexed: (sessions) => indexed.inc(sessions),
    indexedInCommit: (sessions) => inCommit.inc(sessions),
    reindexed: (sessions) => reindexed.inc(sessions),
  };
}

/** Metrics that go nowhere (tools, tests that do not look). */
export const noSearchIndexMetrics: SearchIndexMetrics = { lag() {}, indexed() {}, indexedInCommit() {}, reindexed() {} };

// The control plane's metrics, in a registry of its own. Collaborators are instrumented by
// wrapping (the registry, the snapshot source, the exchange sink) so the stream and storage code
// stay unaware of metrics.
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { AgentRegistry, ExchangeSink, SnapshotSource } from "../stream/ports.js";

/** The control plane's series and the decorators feeding them. */
export interface ControlPlaneMetrics {
  registry: Registry;
  /** One finished RPC (unary ones also give their duration in seconds). */
  rpc(service: string, method: string, code: string, seconds?: number): void;
  /** Counts connects/disconnects (connected agents) and NACKs. */
  instrumentAgents(agents: AgentRegistry): AgentRegistry;
  /** Counts committed batches and rows, and observes the ingest lag of each row. */
  instrumentExchanges(sink: ExchangeSink): ExchangeSink;
  /** Counts rebuilds of `snapshots` and reports `version()` as a gauge; returns a stop function. */
  watchSnapshots(snapshots: SnapshotSource & { version(): string }): () => void;
  /** Reports the LISTEN connection's state (1 up, 0 down) from `read` at each scrape. */
  watchChangeListener(read: () => boolean): void;
}

// Ingest lag spans the agent's buffering and batching (tens of ms) up to outages (minutes).
const lagBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];
const rpcBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Creates the control plane's registry with every series registered (at zero). */
export function createControlPlaneMetrics(now: () => number = Date.now): ControlPlaneMetrics {
  const registry = new Registry();
  const registers = [registry];
  const rpcTotal = new Counter({ name: "palisade_control_plane_rpc_requests_total", help: "RPCs handled (admin API, agent streams, health), by service, method and status code", labelNames: ["service", "method", "code"], registers });
  const rpcSeconds = new Histogram({ name: "palisade_control_plane_rpc_duration_seconds", help: "Duration of unary RPCs, by service, method and status code", labelNames: ["service", "method", "code"], buckets: rpcBuckets, registers });
  // Keyed by stream: each instance of an agent (pod, `--workers` worker) has a stream of its own.
  const connected = new Set<string>();
  new Gauge({ name: "palisade_control_plane_connected_agents", help: "Agent instances (streams) with an open control stream to this replica", registers, collect() { this.set(connected.size); } });
  const connects = new Counter({ name: "palisade_control_plane_agent_connects_total", help: "Agent streams accepted (Hello answered)", registers });
  const nacks = new Counter({ name: "palisade_control_plane_snapshot_nacks_total", help: "Snapshots agents refused (NACK)", registers });
  let version: () => string = () => "0";
  new Gauge({ name: "palisade_control_plane_snapshot_version", help: "Configuration version this replica serves (the highest change-event id)", registers, collect() { this.set(Number(version()) || 0); } });
  const rebuilds = new Counter({ name: "palisade_control_plane_snapshot_rebuilds_total", help: "Snapshot cache rebuilds after a configuration change", registers });
  const batches = new Counter({ name: "palisade_control_plane_exchange_batches_committed_total", help: "Exchange batches committed to the database", registers });
  const rows = new Counter({ name: "palisade_control_plane_exchange_rows_committed_total", help: "Exchanges committed (a resent duplicate counts again)", registers });
  const failures = new Counter({ name: "palisade_control_plane_exchange_commit_failures_total", help: "Exchange batches whose commit failed (the agent resends them)", registers });
  const lag = new Histogram({ name: "palisade_control_plane_ingest_lag_seconds", help: "From an exchange's start on the agent to its commit here", buckets: lagBuckets, registers });
  let listening: (() => boolean) | undefined;
  new Gauge({ name: "palisade_control_plane_change_listener_up", help: "1 while the LISTEN connection for other replicas' changes is open (PostgreSQL only; 1 on PGlite, which has no other replicas)", registers, collect() { this.set(!listening || listening() ? 1 : 0); } });

  return {
    registry,
    rpc(service, method, code, seconds) {
      rpcTotal.inc({ service, method, code });
      if (seconds !== undefined) rpcSeconds.observe({ service, method, code }, seconds);
    },
    instrumentAgents(agents) {
      return {
        authenticate: (token) => agents.authenticate(token),
        async connected(key, hello) {
          await agents.connected(key, hello);
          connected.add(key.stream);
          connects.inc();
        },
        async applied(key, applied, error) {
          if (error) nacks.inc();
          await agents.applied(key, applied, error);
        },
        seen: (key) => agents.seen(key),
        async disconnected(key) {
          connected.delete(key.stream);
          await agents.disconnected(key);
        },
      };
    },
    instrumentExchanges(sink) {
      return {
        async commit(agent, exchanges) {
          let ids: string[];
          try {
            ids = await sink.commit(agent, exchanges);
          } catch (error) {
            failures.inc();
            throw error;
          }
          if (ids.length === 0) return ids;
          batches.inc();
          rows.inc(ids.length);
          const at = now();
          for (const exchange of exchanges) {
            const started = exchange.startedAt;
            if (!started) continue;
            const startedMs = Number(started.seconds) * 1000 + started.nanos / 1e6;
            lag.observe(Math.max(0, (at - startedMs) / 1000));
          }
          return ids;
        },
      };
    },
    watchSnapshots(snapshots) {
      version = () => snapshots.version();
      return snapshots.watch(() => rebuilds.inc());
    },
    watchChangeListener(read) {
      listening = read;
    },
  };
}

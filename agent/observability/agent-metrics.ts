// The agent's metrics, in a registry of its own: requests and their outcome, upstream latency and
// time to first byte, policy decisions, the control stream, the audit buffer and the snapshot.
// Gauges of state (buffer depth, stream connected) are read at scrape time from their owners.
import { Counter, Gauge, Registry } from "prom-client";
import { type Exchange, Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import type { SnapshotStore } from "../config/snapshot-store.js";
import type { ExchangeBuffer } from "../stream/exchange-buffer.js";
import { deltaSince } from "../../core/observability/metrics-text.js";
import { type CounterTally, type HistogramTally, talliedCounter, talliedHistogram } from "./tallies.js";

/** What the request pipeline reports (PipelineDeps.metrics). */
export interface RequestMetrics {
  /** A finished exchange; `connection` is "" unless it named a connection of the snapshot. */
  exchange(exchange: Exchange, connection: string): void;
  /** The policy step's decision; `policy` is "" when no policy decided (nothing allowed). */
  policy(policy: string, verdict: Verdict): void;
  /** An upstream of `connection` answered with response headers `seconds` after the request was handed to it. */
  upstreamAnswered(connection: string, seconds: number): void;
  /** An upstream of `connection` failed the exchange (the caller was still there). */
  upstreamFailure(connection: string, failure: UpstreamFailure): void;
}

/**
 * How an upstream failed: `unreachable` (no connection, or reset before answering), `timeout` (no
 * response headers in time), `stalled` (its body sent nothing for the idle timeout), `broke_off`
 * (its body ended in an error), `redirected` (it answered a redirect, not passed on: upstream-redirect.ts).
 */
export type UpstreamFailure = "unreachable" | "timeout" | "stalled" | "broke_off" | "redirected" | "credential_echoed";

/** The control stream's state, as the stream client knows it. */
export interface StreamState {
  readonly connected: boolean;
  readonly reconnects: number;
}

/** The agent's series and the hooks feeding them. */
export interface AgentMetrics extends RequestMetrics {
  registry: Registry;
  /** Counts NACKs of `store` and reports the version it runs. */
  instrumentStore(store: SnapshotStore): SnapshotStore;
  /** Reads the buffer's depth and refusals at each scrape. */
  watchBuffer(buffer: ExchangeBuffer): void;
  /** Reads the control stream's state at each scrape. */
  watchStream(stream: StreamState): void;
}

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

function seconds(duration: { seconds: bigint; nanos: number } | undefined): number | undefined {
  return duration && Number(duration.seconds) + duration.nanos / 1e9;
}

function verdictName(verdict: Verdict): string {
  return (Verdict[verdict] ?? "UNSPECIFIED").toLowerCase();
}

/** Creates the agent's registry with every series registered. */
export function createAgentMetrics(): AgentMetrics {
  const registry = new Registry();
  const registers = [registry];
  // The per-request series are tallied here and handed to prom-client at each scrape (tallies.ts).
  const requests = talliedCounter({ name: "palisade_agent_requests_total", help: "Requests answered, by connection (\"\" for unknown ones), status and verdict", labelNames: ["connection", "status", "verdict"], registers });
  const duration = talliedHistogram({ name: "palisade_agent_request_duration_seconds", help: "Whole exchange, request start to last byte, of forwarded requests", labelNames: ["connection"], buckets: latencyBuckets, registers });
  const firstByte = talliedHistogram({ name: "palisade_agent_time_to_first_byte_seconds", help: "Request start to the first response byte sent to the caller, of forwarded requests", labelNames: ["connection"], buckets: latencyBuckets, registers });
  const upstream = talliedHistogram({ name: "palisade_agent_upstream_latency_seconds", help: "Request handed to the upstream until its response headers arrived", labelNames: ["connection"], buckets: latencyBuckets, registers });
  const failures = talliedCounter({ name: "palisade_agent_upstream_failures_total", help: "Exchanges an upstream failed, by connection and failure (unreachable, timeout: no headers in time, stalled: body idle past the idle timeout, broke_off, redirected)", labelNames: ["connection", "failure"], registers });
  const decisions = talliedCounter({ name: "palisade_agent_policy_decisions_total", help: "Policy step outcomes, by deciding policy (\"\" when none allowed) and verdict", labelNames: ["policy", "verdict"], registers });
  // Each label set's tally, found by its values (no label object built or hashed per request).
  const requestSeries = new Map<string, Map<number, Map<Verdict, CounterTally>>>();
  const requestTally = (connection: string, status: number, verdict: Verdict): CounterTally => {
    let byStatus = requestSeries.get(connection);
    if (!byStatus) requestSeries.set(connection, (byStatus = new Map()));
    let byVerdict = byStatus.get(status);
    if (!byVerdict) byStatus.set(status, (byVerdict = new Map()));
    let tally = byVerdict.get(verdict);
    if (!tally) byVerdict.set(verdict, (tally = requests.series({ connection, status: String(status), verdict: verdictName(verdict) })));
    return tally;
  };
  const seriesByConnection = (histogram: ReturnType<typeof talliedHistogram<"connection">>) => {
    const series = new Map<string, HistogramTally>();
    return (connection: string): HistogramTally => {
      let tally = series.get(connection);
      if (!tally) series.set(connection, (tally = histogram.series({ connection })));
      return tally;
    };
  };
  const durationOf = seriesByConnection(duration);
  const firstByteOf = seriesByConnection(firstByte);
  const upstreamOf = seriesByConnection(upstream);
  const pairSeries = <A extends string, B extends string>(counter: ReturnType<typeof talliedCounter<A | B>>, first: A, second: B) => {
    const series = new Map<string, Map<string, CounterTally>>();
    return (a: string, b: string): CounterTally => {
      let bySecond = series.get(a);
      if (!bySecond) series.set(a, (bySecond = new Map()));
      let tally = bySecond.get(b);
      if (!tally) bySecond.set(b, (tally = counter.series({ [first]: a, [second]: b } as Record<A | B, string>)));
      return tally;
    };
  };
  const failureTally = pairSeries(failures, "connection", "failure");
  const decisionTally = pairSeries(decisions, "policy", "verdict");
  const nacks = new Counter({ name: "palisade_agent_snapshot_nacks_total", help: "Snapshots refused (NACK) because they did not compile", registers });
  const applied = new Counter({ name: "palisade_agent_snapshots_applied_total", help: "Snapshots applied (ACK)", registers });
  let store: SnapshotStore | undefined;
  // Summed over `--workers` workers by the primary (docs/observability.md), except the version: the
  // lowest one, so a worker lagging behind shows.
  new Gauge({ name: "palisade_agent_snapshot_version", help: "Configuration version in force (0 before the first snapshot; with --workers the lowest of the workers')", aggregator: "min", registers, collect() { this.set(Number(store?.current()?.version ?? 0) || 0); } });
  let buffer: ExchangeBuffer | undefined;
  new Gauge({ name: "palisade_agent_buffer_exchanges", help: "Exchanges held awaiting the control plane's acknowledgement", registers, collect() { this.set(buffer?.held ?? 0); } });
  new Gauge({ name: "palisade_agent_buffer_bytes", help: "Rough size of the exchanges held awaiting acknowledgement (bodies' characters); at --buffer-bytes new requests are refused", registers, collect() { this.set(buffer?.heldBytes ?? 0); } });
  new Gauge({ name: "palisade_agent_buffer_unsent_exchanges", help: "Held exchanges not yet sent on the current stream", registers, collect() { this.set(buffer?.unsent ?? 0); } });
  const refusals = deltaSince(() => buffer?.refusals ?? 0);
  new Counter({ name: "palisade_agent_buffer_full_refusals_total", help: "Requests refused with 503 because the audit buffer was full", registers, collect() { this.inc(refusals()); } });
  let stream: StreamState | undefined;
  new Gauge({ name: "palisade_agent_stream_connected", help: "1 while the control stream is established (welcomed), else 0; with --workers the number of workers connected", registers, collect() { this.set(stream?.connected ? 1 : 0); } });
  const reconnects = deltaSince(() => stream?.reconnects ?? 0);
  new Counter({ name: "palisade_agent_stream_reconnects_total", help: "Control streams opened after the first one", registers, collect() { this.inc(reconnects()); } });

  return {
    registry,
    exchange(exchange, connection) {
      requestTally(connection, exchange.status, exchange.verdict).count++;
      if (exchange.verdict !== Verdict.ALLOWED) return;
      const total = seconds(exchange.duration);
      const first = seconds(exchange.timeToFirstByte);
      if (total !== undefined) durationOf(connection).observe(total);
      if (first !== undefined) firstByteOf(connection).observe(first);
    },
    upstreamFailure(connection, failure) {
      failureTally(connection, failure).count++;
    },
    policy(policy, verdict) {
      decisionTally(policy, verdictName(verdict)).count++;
    },
    upstreamAnswered(connection, took) {
      upstreamOf(connection).observe(took);
    },
    instrumentStore(inner) {
      store = inner;
      return {
        current: () => inner.current(),
        apply(snapshot) {
          const result = inner.apply(snapshot);
          (result.error ? nacks : applied).inc();
          return result;
        },
        clear: () => inner.clear(),
      };
    },
    watchBuffer(watched) {
      buffer = watched;
    },
    watchStream(watched) {
      stream = watched;
    },
  };
}

// Sink series on the control plane's registry. Each replica reports the sinks it delivers (the
// one holding the sink's lease); the others report nothing for that sink.
import { Counter, Gauge, type Registry } from "prom-client";

/** What a sink worker reports. */
export interface SinkMetrics {
  /** The sink's position: entries not yet delivered, and the age of the oldest (0 when caught up). */
  lag(sink: string, entries: number, oldestSeconds: number): void;
  delivered(sink: string, events: number): void;
  failed(sink: string): void;
  /** The worker stopped or lost its lease: its series go away. */
  forget(sink: string): void;
}

/** Registers the sink series on `registry`. */
export function createSinkMetrics(registry: Registry): SinkMetrics {
  const registers = [registry];
  const lagEntries = new Gauge({ name: "palisade_control_plane_sink_lag_entries", help: "Audit log entries after the sink's cursor (reported by the replica delivering the sink)", labelNames: ["sink"], registers });
  const lagSeconds = new Gauge({ name: "palisade_control_plane_sink_lag_seconds", help: "Age of the oldest audit entry the sink has not delivered yet; 0 when caught up", labelNames: ["sink"], registers });
  const delivered = new Counter({ name: "palisade_control_plane_sink_events_delivered_total", help: "Events a sink delivered (a retried batch counts again)", labelNames: ["sink"], registers });
  const failures = new Counter({ name: "palisade_control_plane_sink_delivery_failures_total", help: "Failed delivery attempts of a sink (each is retried)", labelNames: ["sink"], registers });
  return {
    lag(sink, entries, oldestSeconds) {
      lagEntries.set({ sink }, entries);
      lagSeconds.set({ sink }, oldestSeconds);
    },
    delivered: (sink, events) => delivered.inc({ sink }, events),
    failed: (sink) => failures.inc({ sink }),
    forget(sink) {
      lagEntries.remove({ sink });
      lagSeconds.remove({ sink });
    },
  };
}

/** Metrics that go nowhere (tools, tests that do not look). */
export const noSinkMetrics: SinkMetrics = { lag() {}, delivered() {}, failed() {}, forget() {} };

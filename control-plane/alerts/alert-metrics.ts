// Alert series on the control plane's registry. Each replica counts the passes it ran and the
// alerts they fired (replicas take turns, so sum over replicas).
import { Counter, type Registry } from "prom-client";

/** What the evaluator reports. */
export interface AlertMetrics {
  fired(rule: string): void;
  failed(): void;
  /** A pass evaluated every rule (this replica held the evaluation lock). */
  evaluated(): void;
}

/** Registers the alert series on `registry`. */
export function createAlertMetrics(registry: Registry): AlertMetrics {
  const registers = [registry];
  const fired = new Counter({ name: "palisade_control_plane_alerts_fired_total", help: "Alerts AlertRules fired (stored once; see docs/alerts.md, dedup)", labelNames: ["rule"], registers });
  const failures = new Counter({ name: "palisade_control_plane_alert_evaluation_failures_total", help: "Alert evaluation passes that failed (the next pass runs as usual)", registers });
  const passes = new Counter({ name: "palisade_control_plane_alert_passes_total", help: "Alert evaluation passes this replica completed over every rule (replicas take turns)", registers });
  return { fired: (rule) => fired.inc({ rule }), failed: () => failures.inc(), evaluated: () => passes.inc() };
}

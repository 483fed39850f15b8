// Series of the counter store as this agent sees it: whether it is connected, requests decided by
// onStoreDown while it was not, and settlements that did not reach it. No identity labels.
import { Counter, Gauge, type Registry } from "prom-client";
import type { Logger } from "pino";

/** Hooks feeding the series. */
export interface LimitStoreMetrics {
  /** A request met a store that did not answer. */
  storeDown(action: "deny" | "local", reason: string): void;
  settleFailed(): void;
}

/** Least time between two warnings about requests decided by onStoreDown (the metric counts each). */
const WARN_EVERY_MS = 10_000;

/** Registers the series on `registry`; `up` is read at scrape time. */
export function createLimitStoreMetrics(registry: Registry, up: () => boolean, logger: Logger): LimitStoreMetrics {
  const registers = [registry];
  new Gauge({ name: "palisade_agent_counter_store_up", help: "1 while the counter store (Redis) the snapshot names is connected, else 0 (also without one); with --workers the number of workers connected", registers, collect() { this.set(up() ? 1 : 0); } });
  const fallbacks = new Counter({ name: "palisade_agent_counter_store_fallbacks_total", help: "Requests under global limits decided while the counter store did not answer, by action: deny (refused, 503) or local (counted by this agent)", labelNames: ["action"], registers });
  const settleFailures = new Counter({ name: "palisade_agent_counter_store_settle_failures_total", help: "Token reservations that could not be settled to the reported usage (the reservation stands until it ages out)", registers });
  let warnedAt = -Infinity;
  return {
    storeDown(action, reason) {
      fallbacks.inc({ action });
      const now = Date.now();
      if (now - warnedAt < WARN_EVERY_MS) return;
      warnedAt = now;
      logger.warn({ onStoreDown: action, reason }, action === "deny"
        ? "counter store did not answer: requests under global limits refused (onStoreDown: deny)"
        : "counter store did not answer: global limits counted by this agent alone meanwhile (onStoreDown: local)");
    },
    settleFailed: () => settleFailures.inc(),
  };
}

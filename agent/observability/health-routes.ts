// The agent's own endpoints, under `/-/`: `/-/healthz` (the process answers), `/-/readyz` (a
// snapshot is in force, so requests can be served) and `/-/metrics` (Prometheus). Connection names
// match ^[a-z][a-z0-9-]{0,62}$, so "healthz" or "metrics" could be a connection while "-" never
// can: these paths never shadow an SDK's `/<connection>/...`.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Registry } from "prom-client";
import { isRead, serveMetrics } from "../../core/observability/metrics-text.js";

/** The agent's endpoint paths. */
export const agentEndpoints = { health: "/-/healthz", ready: "/-/readyz", metrics: "/-/metrics" } as const;

/** What the endpoints read. */
export interface HealthRoutesDeps {
  /** The version of the snapshot in force, undefined before the first one (or after revocation). */
  snapshotVersion(): string | undefined;
  /** True once the agent began shutting down. */
  closing(): boolean;
  registry: Registry;
  /** Replaces the scrape of `registry` (a `--workers` worker answers for all workers). */
  metricsText?: () => Promise<string>;
}

function json(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

/** `handler` with the `/-/` endpoints answered first; any other `/-/` path is a 404. */
export function withHealthRoutes(
  deps: HealthRoutesDeps,
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const url = req.url ?? "";
    if (!url.startsWith("/-/")) return handler(req, res);
    const path = url.split("?")[0];
    req.resume(); // a body sent here is not read
    if (!isRead(req)) return json(res, 405, { error: "method not allowed" });
    if (path === agentEndpoints.health) return json(res, 200, { ok: true });
    if (path === agentEndpoints.ready) {
      const version = deps.snapshotVersion();
      if (deps.closing()) return json(res, 503, { ready: false, reason: "shutting down" });
      if (version === undefined) return json(res, 503, { ready: false, reason: "no configuration from the control plane yet" });
      return json(res, 200, { ready: true, version });
    }
    if (path === agentEndpoints.metrics) return serveMetrics(deps.registry, res, deps.metricsText);
    return json(res, 404, { error: "not found" });
  };
}

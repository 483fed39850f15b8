// The control plane's plain HTTP endpoints beside the RPCs: /readyz and /metrics (/healthz is the
// server's own). Both answer GET and HEAD, over HTTP/1.1 and HTTP/2 alike.
import type { IncomingHttpHeaders } from "node:http";
import type { Registry } from "prom-client";
import { isRead, serveMetrics, type Reply } from "../../core/observability/metrics-text.js";
import type { ReadinessProbe } from "./readiness.js";

/** Serves the request if it is one of the endpoints; false (nothing written) otherwise. */
export type HttpEndpoints = (req: { method?: string; url?: string; headers?: IncomingHttpHeaders }, res: Reply) => boolean;

/** Endpoints tried in order; the first that serves a request answers it. */
export function firstOf(...endpoints: HttpEndpoints[]): HttpEndpoints {
  return (req, res) => endpoints.some((serve) => serve(req, res));
}

/** /readyz (200 or 503 with a JSON body saying why) and /metrics over `registry`. */
export function createHttpEndpoints(probe: Pick<ReadinessProbe, "check">, registry: Registry): HttpEndpoints {
  return (req, res) => {
    if (!isRead(req)) return false;
    const path = (req.url ?? "").split("?")[0];
    if (path === "/readyz") {
      void probe.check().then((readiness) => {
        res.writeHead(readiness.ready ? 200 : 503, { "content-type": "application/json", "cache-control": "no-store" });
        res.end(JSON.stringify(readiness));
      });
      return true;
    }
    if (path === "/metrics") {
      void serveMetrics(registry, res);
      return true;
    }
    return false;
  };
}

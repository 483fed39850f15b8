// Rendering a process's metrics. Each control plane and agent owns its own prom-client Registry
// (several of them share a process in tests and in `palisade up`, and must not collide); the
// process-wide series (CPU, memory, event loop, GC) are collected once per process into a registry
// of their own and appended to every scrape.
import { collectDefaultMetrics, Registry } from "prom-client";

let processRegistry: Registry | undefined;

/** The process metrics registry, created (and its collectors started) on first use. */
export function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: "palisade_" });
  }
  return processRegistry;
}

/** The Prometheus text exposition of `registry` followed by the process's own series. */
export async function metricsText(registry: Registry): Promise<string> {
  const own = await registry.metrics();
  const process = await processMetrics().metrics();
  return `${own}\n${process}`;
}

/** The part of an HTTP/1.1 or HTTP/2 response the observability endpoints write. */
export interface Reply {
  writeHead(status: number, headers: Record<string, string>): unknown;
  end(body: string | Buffer): unknown;
}

/**
 * Answers a scrape with `registry` (or what `read` gives instead) in the Prometheus text format;
 * a failing collector is a 500.
 */
export async function serveMetrics(registry: Registry, res: Reply, read = () => metricsText(registry)): Promise<void> {
  try {
    const text = await read();
    res.writeHead(200, { "content-type": registry.contentType, "cache-control": "no-store" });
    res.end(text);
  } catch (error) {
    res.writeHead(500, { "content-type": "text/plain" });
    res.end(`metrics collection failed: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

/** A counter's value taken from a running total kept elsewhere (read at each scrape). */
export function deltaSince(read: () => number): () => number {
  let last = 0;
  return () => {
    const now = read();
    const delta = now > last ? now - last : 0;
    last = Math.max(last, now);
    return delta;
  };
}

/** True for GET or HEAD requests, the only methods the observability endpoints answer. */
export function isRead(req: { method?: string }): boolean {
  return req.method === "GET" || req.method === "HEAD";
}

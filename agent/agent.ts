// The Palisade agent (data plane): an HTTP proxy serving each connection of the current snapshot,
// configured and audited over one control stream it dials out to the control plane.
import { isPhoneRegion } from "../core/detectors/phone.js";
import { getCACertificates } from "node:tls";
import { pino, type Logger } from "pino";
import type { Registry } from "prom-client";
import { Agent as UndiciAgent } from "undici";
import { readCaFile, readKeyPair, type TlsFiles } from "../core/tls/tls-files.js";
import { createSnapshotStore, type SnapshotStore } from "./config/snapshot-store.js";
import { createRequestHandler } from "./http/handle-request.js";
import { startProxyServer, type ProxyServer } from "./http/proxy-server.js";
import { createAgentMetrics } from "./observability/agent-metrics.js";
import { withHealthRoutes } from "./observability/health-routes.js";
import { createLimitTracker, type LimitGate } from "./policy/limits.js";
import { createCounterStores, type CounterStores } from "./limits/counter-store.js";
import { createLimitStoreMetrics } from "./limits/limit-store-metrics.js";
import { createSharedLimitGate } from "./limits/shared-limit-gate.js";
import { createExchangeBuffer } from "./stream/exchange-buffer.js";
import type { ReviewChannel } from "./review/review-hold.js";
import { defaultInstanceName } from "./stream/instance-name.js";
import { startStreamClient, type StreamClient } from "./stream/stream-client.js";
import { agentVersion } from "./version.js";

export interface AgentOptions {
  listen: string; // "host:port"; port 0 picks a free port
  controlPlane: string; // "http://host:port" of the control plane
  token: string; // enrolment token "<agent-name>.<secret>"
  segment?: string;
  /** Names this process among the agent's instances (Hello.instance); default `<hostname>/<pid>`. */
  instance?: string;
  /**
   * What `/-/metrics` answers; default this agent's registry and the process's series. A
   * `--workers` worker answers with every worker's series summed (agent/cluster/worker-link.ts).
   */
  metricsText?: () => Promise<string>;
  /**
   * Listen only once the first snapshot is in force, or give up (rejecting) when this signal
   * aborts: a replacement `--workers` worker, whose siblings serve meanwhile, so that it never
   * answers 503 "no configuration yet" while they could answer.
   */
  listenAfterSnapshot?: AbortSignal;
  /**
   * Where local limits are counted (and global ones while the counter store is down under
   * onStoreDown: local); default this process (a `--workers` worker shares its primary's). Global
   * limits go to the counter store the snapshot names.
   */
  limits?: LimitGate;
  maxBodyBytes?: number; // request body limit, default 16 MiB (413 above it)
  /** Regions whose national phone numbers mask policies find when they name no phoneRegion; default US, [] for + numbers only. */
  phoneRegions?: readonly string[];
  bufferSize?: number; // exchanges held awaiting ACK, default 10 000
  /** Size the exchanges held awaiting ACK may reach (their bodies' characters) before requests are refused, default 256 MiB. */
  bufferBytes?: number;
  jwksCooldownMs?: number;
  /**
   * How long the upstream may take to send its response headers (after connecting) before the
   * caller gets 504 `upstream_timeout`; default 10 min (a non-streamed completion answers only when
   * done). Connecting has its own 10 s limit.
   */
  upstreamTimeoutMs?: number;
  /**
   * How long an upstream's response body may send nothing — from its headers to its first chunk,
   * or between two chunks — before the agent cuts it off and ends the caller's response with an
   * error (docs/operations.md); default 5 min, since a reasoning model can think for minutes
   * without sending a byte.
   */
  upstreamIdleTimeoutMs?: number;
  /**
   * On close (SIGTERM), how long requests in flight may run on before they are cut; default 10 s.
   * Streamed completions can run for minutes: raise it (and the orchestrator's grace period) to
   * let them finish.
   */
  drainTimeoutMs?: number; // least time between JWKS refetches of an issuer on an unknown kid, default 30 s
  logger?: Logger;
  tls?: TlsFiles; // serve HTTPS on `listen` with this PEM certificate (chain) and key, read at start
  caFile?: string; // PEM CA bundle trusted for an https:// control plane; default Node's roots
  upstreamCaFile?: string; // PEM CA bundle trusted for upstream providers, besides Node's roots
}

export interface Agent {
  url: string; // "http://host:port" ("https://" with tls) actually bound
  instance: string; // the instance name it gives the control plane
  registry: Registry; // its metrics (without the process's series)
  close(): Promise<void>; // drains in-flight requests, flushes what it can, closes the stream
}

const defaults = {
  maxBodyBytes: 16 * 1024 * 1024,
  bufferSize: 10_000,
  bufferBytes: 256 * 1024 * 1024,
  recordLimitBytes: 1024 * 1024, // bodies in the audit record are cut here (flagged truncated)
  upstreamHeadersTimeoutMs: 10 * 60 * 1000, // a non-streamed completion sends headers only when done
  upstreamConnectTimeoutMs: 10_000,
  upstreamIdleTimeoutMs: 5 * 60 * 1000, // reasoning models may send nothing for minutes mid-stream
  drainMs: 10_000, // how long close() lets requests in flight finish
  flushMs: 5_000, // how long close() waits for buffered exchanges to be acknowledged
};

/** `store`, connecting to the counter store a snapshot names as soon as it applies (not at the first limited request). */
function connectingCounterStore(store: SnapshotStore, stores: () => CounterStores): SnapshotStore {
  return {
    ...store,
    apply(snapshot) {
      const result = store.apply(snapshot);
      if (!result.error) stores().client(store.current()?.counterStore);
      return result;
    },
  };
}

/** Resolves once `store` holds a snapshot; rejects when `signal` aborts first. */
async function untilSnapshot(store: SnapshotStore, signal: AbortSignal): Promise<void> {
  while (store.current() === undefined) {
    if (signal.aborted) throw new Error("stopped before the first snapshot arrived");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Starts the agent: listening at once (503 until the first snapshot; or, with
 * `listenAfterSnapshot`, only once it has one), connecting in the background.
 */
export async function startAgent(options: AgentOptions): Promise<Agent> {
  const logger = (options.logger ?? pino({ level: "silent" })).child({ component: "agent" });
  const badRegion = options.phoneRegions?.find((region) => !isPhoneRegion(region));
  if (badRegion !== undefined) throw new Error(`phone region ${JSON.stringify(badRegion)} has no phone numbering plan (use ISO 3166 alpha-2 codes such as US or GB)`);
  if (!/^[a-z][a-z0-9-]{0,62}\.[^.]+$/.test(options.token)) throw new Error('agent token must look like "<agent-name>.<secret>"');
  const maxBodyBytes = options.maxBodyBytes ?? defaults.maxBodyBytes;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 0) throw new Error(`maxBodyBytes must be a non-negative integer, got ${maxBodyBytes}`);

  // Every file is read (and checked) before anything starts, so a bad one fails the start.
  const keyPair = options.tls && (await readKeyPair(options.tls, "the agent"));
  const ca = options.caFile === undefined ? undefined : await readCaFile(options.caFile, "the control plane");
  const upstreamCa = options.upstreamCaFile === undefined ? undefined : await readCaFile(options.upstreamCaFile, "upstream providers");

  const metrics = createAgentMetrics();
  const store = connectingCounterStore(metrics.instrumentStore(createSnapshotStore({ cooldownMs: options.jwksCooldownMs }, { phoneRegions: options.phoneRegions })), () => counterStores);
  const buffer = createExchangeBuffer(options.bufferSize ?? defaults.bufferSize, options.bufferBytes ?? defaults.bufferBytes);
  metrics.watchBuffer(buffer);
  const upstreamTimeoutMs = options.upstreamTimeoutMs ?? defaults.upstreamHeadersTimeoutMs;
  if (!Number.isInteger(upstreamTimeoutMs) || upstreamTimeoutMs < 1) throw new Error(`upstreamTimeoutMs must be a positive integer, got ${upstreamTimeoutMs}`);
  const idleTimeoutMs = options.upstreamIdleTimeoutMs ?? defaults.upstreamIdleTimeoutMs;
  if (!Number.isInteger(idleTimeoutMs) || idleTimeoutMs < 1) throw new Error(`upstreamIdleTimeoutMs must be a positive integer, got ${idleTimeoutMs}`);
  const dispatcher = new UndiciAgent({
    headersTimeout: upstreamTimeoutMs,
    bodyTimeout: idleTimeoutMs,
    // A connection (TCP and TLS handshake) counts against the wait for headers too: one that hangs is
    // given up within --upstream-timeout when that is the shorter (504 either way).
    connectTimeout: Math.min(defaults.upstreamConnectTimeoutMs, upstreamTimeoutMs),
    // Giving `ca` replaces the default roots; public providers must still verify beside private ones.
    ...(upstreamCa && { connect: { ca: [...getCACertificates("default"), upstreamCa.toString("utf8")] } }),
  });
  // Held requests are refused at once when the agent starts closing (fail closed, never forwarded).
  const shutdown = new AbortController();
  let stream: StreamClient | undefined;
  const reviews: ReviewChannel = {
    request: (request, timeoutMs) => stream?.requestReview(request, timeoutMs) ?? Promise.resolve({ outcome: "unanswered", error: "control plane not connected" }),
    closing: shutdown.signal,
  };
  // `up` is read at scrape time only, once counterStores exists.
  const storeMetrics = createLimitStoreMetrics(metrics.registry, () => counterStores.up, logger);
  const counterStores = createCounterStores(logger, storeMetrics.settleFailed);
  const limits = createSharedLimitGate({
    local: options.limits ?? createLimitTracker(),
    stores: counterStores,
    counterStore: () => store.current()?.counterStore,
    onStoreDown: storeMetrics.storeDown,
  });
  const handler = createRequestHandler({
    snapshot: store.current,
    reviews,
    buffer,
    limits,
    maxBodyBytes,
    recordLimitBytes: defaults.recordLimitBytes,
    dispatcher,
    headersTimeoutMs: upstreamTimeoutMs,
    idleTimeoutMs,
    logger,
    metrics,
  });
  let closing: Promise<void> | undefined;
  const endpoints = {
    snapshotVersion: () => store.current()?.version, closing: () => closing !== undefined, registry: metrics.registry, metricsText: options.metricsText,
  };
  const instance = options.instance ?? defaultInstanceName();
  stream = startStreamClient({
    controlPlane: options.controlPlane,
    token: options.token,
    segment: options.segment ?? "",
    instance,
    version: agentVersion(),
    store,
    buffer,
    logger,
    ca,
  });
  metrics.watchStream(stream);
  let server: ProxyServer;
  try {
    if (options.listenAfterSnapshot) await untilSnapshot(store, options.listenAfterSnapshot);
    server = await startProxyServer(options.listen, withHealthRoutes(endpoints, handler), keyPair);
  } catch (error) {
    await stream.close();
    await dispatcher.close();
    await counterStores.close();
    throw error;
  }
  logger.info({ url: server.url, controlPlane: options.controlPlane, instance }, "agent listening");

  return {
    url: server.url,
    instance,
    registry: metrics.registry,
    close() {
      closing ??= (async () => {
        shutdown.abort();
        await server.close(options.drainTimeoutMs ?? defaults.drainMs);
        const flushed = await stream!.flush(defaults.flushMs);
        if (!flushed) logger.warn({ unacknowledged: buffer.held }, "agent closing with exchanges not acknowledged");
        await stream!.close();
        await dispatcher.close();
        await counterStores.close();
      })();
      return closing;
    },
  };
}

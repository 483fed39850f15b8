// Runs one worker per AuditSink: started, restarted and stopped as sinks are applied, changed and
// deleted (on a configuration change and on a periodic reload). Delivery never touches the ingest
// path: workers only read audit_log, so a slow or dead sink only lags.
import type { Logger } from "pino";
import type { Database } from "../storage/database.js";
import { loadAuditSinks, type StoredAuditSink } from "../storage/resources/audit-sinks.js";
import { localLeases, postgresLeases } from "./sink-leases.js";
import type { SinkMetrics } from "./sink-metrics.js";
import { DEFAULT_SINK_TIMINGS, type SinkTimings, type SinkWorker, startSinkWorker } from "./sink-worker.js";
import { createFileTarget, FILE_DEFAULTS } from "./targets/file-target.js";
import type { SinkTarget } from "./targets/sink-target.js";
import { createSyslogTarget } from "./targets/syslog-target.js";
import { createWebhookTarget, WEBHOOK_DEFAULT_BATCH } from "./targets/webhook-target.js";

/** What delivery needs. */
export interface SinkDeliveryOptions {
  db: Pick<Database, "em" | "flavour" | "databaseUrl">;
  logger: Logger;
  metrics: SinkMetrics;
  /** Calls back on every configuration change; returns an unsubscribe function. */
  watchChanges?: (listener: () => void) => () => void;
  timings?: Partial<SinkTimings>;
  /** How often the sink list is reloaded besides on changes; default 10 s. */
  reloadMs?: number;
}

/** Running delivery. */
export interface SinkDelivery {
  /** Reloads the sink list now (also done on changes and periodically). */
  reload(): Promise<void>;
  /** Stops every worker. */
  close(): Promise<void>;
}

/** The target a stored sink describes, defaults applied. */
export function targetFor(sink: StoredAuditSink): SinkTarget {
  const c = sink.config;
  switch (sink.target) {
    case "file":
      return createFileTarget({
        path: String(c.path),
        maxBytes: Number(c.maxBytes) || FILE_DEFAULTS.maxBytes,
        maxFiles: Number(c.maxFiles) || FILE_DEFAULTS.maxFiles,
      });
    case "webhook":
      return createWebhookTarget({ sink: sink.name, url: String(c.url), secret: sink.secret, batchSize: Number(c.batchSize) || WEBHOOK_DEFAULT_BATCH });
    case "syslog":
      return createSyslogTarget({ address: String(c.address), tls: c.tls === true, caFile: String(c.caFile ?? ""), appName: String(c.appName || "palisade") });
  }
}

/** Starts delivery for every stored sink and follows changes. */
export async function startSinkDelivery(options: SinkDeliveryOptions): Promise<SinkDelivery> {
  const { db, logger } = options;
  const timings = { ...DEFAULT_SINK_TIMINGS, ...options.timings };
  const leases = db.flavour === "postgres" && db.databaseUrl ? postgresLeases(db.databaseUrl, logger) : localLeases();
  const running = new Map<string, { version: string; worker: SinkWorker }>();
  let closed = false;
  let reloading: Promise<void> = Promise.resolve();

  const sync = async (): Promise<void> => {
    const sinks = await loadAuditSinks(db.em(), (sink, error) => logger.error({ sink, err: error }, "audit sink secret cannot be opened; sink not started"));
    if (closed) return;
    const wanted = new Map(sinks.map((sink) => [sink.name, sink]));
    for (const [name, current] of running) {
      if (wanted.get(name)?.version === current.version) continue;
      running.delete(name);
      await current.worker.stop();
    }
    for (const sink of sinks) {
      if (running.has(sink.name)) continue;
      let target: SinkTarget;
      try {
        target = targetFor(sink);
      } catch (error) {
        logger.error({ sink: sink.name, err: error }, "audit sink cannot start");
        continue;
      }
      const worker = startSinkWorker({ db, name: sink.name, types: sink.events, target, leases, metrics: options.metrics, logger, timings });
      running.set(sink.name, { version: sink.version, worker });
    }
  };
  // Reloads run one after another, never concurrently.
  const reload = (): Promise<void> => {
    reloading = reloading.then(sync).catch((error: unknown) => logger.warn({ err: error }, "audit sinks could not be reloaded"));
    return reloading;
  };

  await reload();
  const unwatch = options.watchChanges?.(() => void reload());
  const timer = setInterval(() => void reload(), options.reloadMs ?? 10_000);
  timer.unref();
  return {
    reload,
    async close() {
      closed = true;
      clearInterval(timer);
      unwatch?.();
      await reloading;
      await Promise.all([...running.values()].map(({ worker }) => worker.stop()));
      running.clear();
      await leases.close();
    },
  };
}

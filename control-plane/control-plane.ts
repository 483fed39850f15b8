// The control plane: database, snapshot cache, admin API and agent stream on one port.
import pino, { type Logger } from "pino";
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import { AgentService } from "../gen/palisade/agent/v1/agent_pb.js";
import { registerAdminRoutes } from "./admin/admin-routes.js";
import { startCheckpointer } from "./audit/checkpointer.js";
import { startRetentionPruner } from "./audit/retention-pruner.js";
import { createSearchIndexMetrics } from "./search/search-index-metrics.js";
import { startSearchIndexer } from "./search/search-indexer.js";
import { bootstrapAdminToken, createAdminTokenVerifier } from "./auth/admin-tokens.js";
import { createCallerAccessResolver } from "./auth/caller-access.js";
import { startReviewExpiry } from "./reviews/review-expiry.js";
import { createReviewIntake } from "./reviews/review-intake.js";
import { createReviewStore } from "./reviews/review-store.js";
import { createReviewNotifier } from "./reviews/review-webhook.js";
import { createSecretBox } from "./crypto/secret-box.js";
import { resolveSecretKey } from "./crypto/secret-key.js";
import { useSecretBox } from "./crypto/secret-registry.js";
import { sealStoredSecrets } from "./crypto/stored-secrets.js";
import { createControlPlaneObservability } from "./observability/control-plane-observability.js";
import { firstOf } from "./observability/http-endpoints.js";
import { createConsoleAssets } from "./console/console-assets.js";
import { createConsoleSessionStore } from "./console/console-sessions.js";
import { createOidcSignIn } from "./console/oidc-sign-in.js";
import { listen } from "./server.js";
import { startSinkDelivery } from "./sinks/sink-delivery.js";
import { createSinkMetrics } from "./sinks/sink-metrics.js";
import type { SinkTimings } from "./sinks/sink-worker.js";
import { createUsageMetrics } from "./usage/usage-metrics.js";
import { watchAgentRevocations } from "./snapshot/agent-revocations.js";
import { startSnapshotCache } from "./snapshot/snapshot-cache.js";
import { INSTANCE_RETENTION_MS, INSTANCE_STALE_AFTER_MS } from "./storage/agent-instances.js";
import { createAgentRegistry, createAgentStore } from "./storage/agents.js";
import { openDatabase } from "./storage/database.js";
import { createExchangeReader, createExchangeSink } from "./storage/exchanges.js";
import { createSessionFeed } from "./storage/session-feed.js";
import { createResourceStore } from "./storage/resources/resource-store.js";
import { readKeyPair, type TlsFiles } from "../core/tls/tls-files.js";
import { createAgentStream } from "./stream/agent-stream.js";
import { createBlockStore } from "./blocks/block-store.js";
import { startAlertEvaluator } from "./alerts/alert-evaluator.js";
import { startBudgetEvaluator } from "./budgets/budget-evaluator.js";
import { createAlertMetrics } from "./alerts/alert-metrics.js";
import { createAlertNotifier } from "./alerts/alert-webhook.js";
import { createWebhookClient, NOTIFICATION_WEBHOOKS } from "./webhooks/webhook-client.js";
import { ensureSigningKey } from "./tokens/signing-keys.js";
import { checkCounterStore, counterStoreAddress, type CounterStoreSettings } from "./limits/counter-store-config.js";
import { createTokenIssuer } from "./tokens/token-issuer.js";

/** How to start a control plane (see docs/contracts.md). */
export interface ControlPlaneOptions {
  listen: string;            // "host:port"; port 0 picks a free port
  databaseUrl?: string;      // PostgreSQL; when absent, embedded PGlite
  dataDir?: string;          // PGlite files live in `${dataDir}/db`; absent = in-memory PGlite
  /**
   * Base64 of the 32-byte key sealing credentials and signing keys at rest (PALISADE_SECRET_KEY).
   * Absent: `${dataDir}/secret.key` (created mode 0600), else an ephemeral key for in-memory
   * PGlite; PostgreSQL with neither is refused.
   */
  secretKey?: string;
  /** During a rotation, the key being replaced: its values are re-sealed at start (PALISADE_SECRET_KEY_PREVIOUS). */
  secretKeyPrevious?: string;
  /** Before a rotation, the key about to replace `secretKey`: opened, never sealed with (PALISADE_SECRET_KEY_NEXT). */
  secretKeyNext?: string;
  adminToken?: string;       // bootstrap admin token; when absent and none stored, one is generated
  logger?: Logger;
  /** Agent heartbeat interval; default the stream handler's. */
  heartbeatIntervalMs?: number;
  /** How long a silent agent instance is still shown (docs/agent.md "Instances"); default 15 min. */
  agentInstanceRetentionMs?: number;
  /** Safety poll of the configuration version; default 3 s. */
  snapshotPollIntervalMs?: number;
  /** Time between alert-rule and budget evaluation passes (docs/alerts.md, docs/budgets.md); default 1 s. */
  alertIntervalMs?: number;
  /** The budget evaluator's clock (which period is current); default the system's. Tests move it across a period boundary. */
  budgetClock?: () => Date;
  /** How often the audit chain is checkpointed; default every 10,000 entries or 60 s. */
  auditCheckpoints?: { everyEntries?: number; everyMs?: number };
  /**
   * The session text index, filled after the commit (docs/audit.md): how often it looks for new
   * sessions (default 250 ms) and the lag past which commits index their own sessions (default 10 s;
   * 0: always, as before the index moved off the commit).
   */
  searchIndex?: { pollMs?: number; maxLagMs?: number };
  /** Serve HTTPS with this PEM certificate (chain) and key, read once at start (not reloaded). */
  tls?: TlsFiles;
  /** How long after an agent stops holding a request its review may still be decided; default 1 h. */
  reviewPendingTtlMs?: number;
  /** How often pending reviews past that are marked expired; default 30 s. */
  reviewExpiryIntervalMs?: number;
  /** AuditSink delivery timings (poll, retry backoff); defaults in sinks/sink-worker.ts. */
  sinkTimings?: Partial<SinkTimings>;
  /**
   * Redis where agents count global limits (PALISADE_REDIS_URL), pushed to them in every snapshot;
   * absent: every limit is counted by each agent alone (docs/limits.md).
   */
  counterStore?: CounterStoreSettings;
  /**
   * The URL people and webhooks reach this control plane at (behind a proxy or load balancer),
   * for links to the console (PALISADE_PUBLIC_URL); default the bound URL. An https:// one makes
   * the console's cookie Secure.
   */
  publicUrl?: string;
  /** How long a console session lasts from sign-in (docs/console.md); default 8 hours. */
  consoleSessionTtlMs?: number;
  /** The clock console sessions and links expire by; default the system clock (tests move it). */
  consoleClock?: () => Date;
}

/** A running control plane. */
export interface ControlPlane {
  url: string;                      // "http://host:port" ("https://" with tls) actually bound
  generatedAdminToken?: string;     // set only when this start generated the admin token
  close(): Promise<void>;           // stops accepting, ends agent streams, closes the database
}

/** Opens the database (migrating it), builds the snapshot cache and serves on `options.listen`. */
export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const logger = (options.logger ?? pino({ level: "silent" })).child({ component: "control-plane" });
  // Before the database: a bad certificate file fails the start without touching anything.
  const keyPair = options.tls && (await readKeyPair(options.tls, "the control plane"));
  if (options.counterStore) checkCounterStore(options.counterStore);
  // Before the database too: a missing or malformed key changes nothing.
  const secret = await resolveSecretKey(options);
  const box = createSecretBox(secret.key, secret.other ? [secret.other.key] : []);
  const previousKeyId = secret.other?.role === "previous" ? box.keyIds[1] : undefined;
  const db = await openDatabase({ databaseUrl: options.databaseUrl, dataDir: options.dataDir });
  const cleanup: Array<() => Promise<void> | void> = [() => db.close()];
  // Undoes the start in reverse; a failing step is logged and the rest still run (the database last).
  const unwind = async () => {
    for (const step of cleanup.reverse()) {
      try {
        await step();
      } catch (error) {
        logger.error({ err: error }, "control plane shutdown step failed");
      }
    }
  };
  try {
    useSecretBox(db, box);
    const { sealed, resealed } = await sealStoredSecrets(db, box, previousKeyId);
    logger.info({ keyId: box.keyId, keySource: secret.source, sealedNow: sealed, ...secret.other && { [`${secret.other.role}KeyId`]: box.keyIds[1], resealedNow: resealed } },
      "secrets at rest sealed with AES-256-GCM");
    const generatedAdminToken = await bootstrapAdminToken(db, options.adminToken);
    await ensureSigningKey(db);
    const checkpointer = await startCheckpointer({ db, logger, ...options.auditCheckpoints });
    cleanup.push(() => checkpointer.close());
    const pruner = startRetentionPruner({ db, logger });
    cleanup.push(() => pruner.close());
    const snapshots = await startSnapshotCache({ db, logger, pollIntervalMs: options.snapshotPollIntervalMs, counterStore: options.counterStore });
    cleanup.push(() => snapshots.close());
    const observability = createControlPlaneObservability({ db, snapshotVersion: () => snapshots.version() });
    const { metrics } = observability;
    cleanup.push(metrics.watchSnapshots(snapshots));
    metrics.watchChangeListener(() => snapshots.listening());
    const reviews = createReviewStore(db, { pendingTtlMs: options.reviewPendingTtlMs ?? 3_600_000 });
    cleanup.push(startReviewExpiry({ store: reviews, logger, intervalMs: options.reviewExpiryIntervalMs }));
    let url = "";
    // One client for the review and alert webhooks (sinks have their own per sink): closing it
    // abandons posts in flight and retries waiting.
    const notifications = createWebhookClient({ userAgent: "palisade-control-plane", ...NOTIFICATION_WEBHOOKS });
    cleanup.push(() => notifications.close());
    const notifier = createReviewNotifier({ logger, controlPlaneUrl: () => options.publicUrl ?? url, client: notifications });
    const usageMetrics = createUsageMetrics(metrics.registry);
    const searchIndexer = startSearchIndexer({ db, logger, metrics: createSearchIndexMetrics(metrics.registry), ...options.searchIndex });
    cleanup.push(() => searchIndexer.close());
    const sinks = await startSinkDelivery({
      db, logger, metrics: createSinkMetrics(metrics.registry), watchChanges: (listener) => snapshots.watch(listener), timings: options.sinkTimings,
    });
    cleanup.push(() => sinks.close());
    const alerts = startAlertEvaluator({
      db, logger, intervalMs: options.alertIntervalMs, metrics: createAlertMetrics(metrics.registry),
      notifier: createAlertNotifier({ client: notifications, logger: logger.child({ component: "alerts" }) }),
    });
    cleanup.push(() => alerts.close());
    const budgets = startBudgetEvaluator({ db, logger, registry: metrics.registry, intervalMs: options.alertIntervalMs, now: options.budgetClock, webhooks: notifications });
    cleanup.push(() => budgets.close());
    const sessionFeed = createSessionFeed(db, logger);
    cleanup.push(() => sessionFeed.close());
    const instanceRetentionMs = options.agentInstanceRetentionMs ?? INSTANCE_RETENTION_MS;
    const stream = createAgentStream({
      registry: metrics.instrumentAgents(createAgentRegistry(db, instanceRetentionMs)),
      snapshots,
      exchanges: usageMetrics.instrument(metrics.instrumentExchanges(alerts.watching(budgets.watching(createExchangeSink(db, sessionFeed.observer, searchIndexer.observer))))),
      reviews: createReviewIntake({ store: reviews, notifier, logger }),
      logger,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
    });
    cleanup.push(watchAgentRevocations({ db, snapshots, logger, disconnect: (name, why) => stream.disconnect(name, why) }));
    const resources = createResourceStore(db);
    const server = await listen({
      listen: options.listen,
      logger,
      tls: keyPair,
      // The web console's files under /console/ (the page's RPCs are the admin API's).
      endpoints: firstOf(observability.endpoints, createConsoleAssets()),
      routes(plain) {
        const router = observability.route(plain);
        router.service(AgentService, stream.service);
        router.service(Health, observability.health);
        registerAdminRoutes(router, {
          resources,
          // Agents heartbeat at this interval; three missed ones mean the stream is gone.
          agents: createAgentStore(db, {
            staleAfterMs: options.heartbeatIntervalMs === undefined ? INSTANCE_STALE_AFTER_MS : 3 * options.heartbeatIntervalMs,
            retentionMs: instanceRetentionMs,
          }),
          exchanges: createExchangeReader(db),
          reviews,
          sessionFeed,
          issuer: createTokenIssuer(db),
          verifyAdminToken: createAdminTokenVerifier(db),
          callers: createCallerAccessResolver({ db, snapshots, logger }),
          disconnectAgent: (name, why) => stream.disconnect(name, why),
          blocks: { store: createBlockStore(db), db },
          counterStore: options.counterStore !== undefined,
          // Budgets are reported by the clock of the evaluator that enforces them.
          budgetClock: options.budgetClock,
          auditDb: db,
          console: {
            sessions: createConsoleSessionStore(db, { sessionTtlMs: options.consoleSessionTtlMs, now: options.consoleClock }),
            db,
            oidc: createOidcSignIn({ db, logger }),
            secureCookie: keyPair !== undefined || (options.publicUrl ?? "").startsWith("https:"),
            logger,
          },
        });
      },
    });
    url = server.url;
    // Agents hear UNAVAILABLE (and reconnect elsewhere) before the port closes under them.
    cleanup.push(async () => {
      stream.close();
      await server.close();
    });
    // Runs first on close: /readyz and the health service say NOT_SERVING while the port drains.
    cleanup.push(() => observability.readiness.markClosing());
    const counters = options.counterStore ? counterStoreAddress(options.counterStore) : "none (limits counted per agent)";
    logger.info({ url: server.url, database: db.flavour, version: snapshots.version(), counterStore: counters }, "control plane started");
    let closing: Promise<void> | undefined;
    return {
      url: server.url,
      generatedAdminToken,
      close: () => (closing ??= unwind()),
    };
  } catch (error) {
    await unwind();
    throw error;
  }
}

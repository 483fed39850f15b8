// The agent's connection to the counter store (Redis) its snapshot names: one ioredis client per
// URL, replaced when a snapshot names another one. A call never waits for Redis to come back: while
// the connection is down it fails at once (StoreDownError) and the caller applies the limit's
// onStoreDown; ioredis reconnects in the background (backoff with jitter) and counting resumes.
import { Redis } from "ioredis";
import { backoffCeiling } from "../../core/net/backoff.js";
import type { Logger } from "pino";
import { ADMIT_SCRIPT, SETTLE_SCRIPT } from "./window-scripts.js";

/** The store a snapshot names. */
export interface CounterStoreConfig {
  /** redis:// or rediss:// URL, credentials included: never logged. */
  url: string;
  keyPrefix: string;
}

/** The counter store did not answer (down, unreachable, too slow): the limit's onStoreDown applies. */
export class StoreDownError extends Error {}

/** One connected store. */
export interface CounterClient {
  readonly keyPrefix: string;
  /** Runs the admit script (window-scripts.ts); `args` follow `now`. Rejects with StoreDownError. */
  admit(keys: readonly string[], now: number, args: readonly number[]): Promise<number[]>;
  /** Runs the settle script; never rejects (a failed settlement is counted and logged). */
  settle(keys: readonly string[], args: readonly number[]): Promise<void>;
}

/** Connections by snapshot configuration, and their state for metrics. */
export interface CounterStores {
  /** The client for `config` (connecting on first use), or undefined without a configuration. */
  client(config: CounterStoreConfig | undefined): CounterClient | undefined;
  /** Whether the current store's connection is ready (false without one). */
  readonly up: boolean;
  close(): Promise<void>;
}

/**
 * How long a script may take before the request goes on under onStoreDown. A Redis that is down
 * is seen at once (the connection closes); this bounds a hung one. Generous, because the time
 * includes this process's own event-loop delays: a loaded agent must not take itself for a Redis
 * outage.
 */
export const COMMAND_TIMEOUT_MS = 1_000;
/** How long the very first calls wait for a new connection to be ready (afterwards: none). */
const FIRST_CONNECT_WAIT_MS = 5_000;

interface ScriptCommands {
  palisadeAdmit(keyCount: number, ...keysAndArgs: (string | number)[]): Promise<number[]>;
  palisadeSettle(keyCount: number, ...keysAndArgs: (string | number)[]): Promise<number>;
}

/** Reconnection delays to Redis: the project's one backoff (full jitter), 50 ms doubling to 2 s. */
const REDIS_BACKOFF = { baseMs: 50, capMs: 2_000, stableMs: 0 };

/** The delay before reconnection attempt `attempt` (ioredis counts from 1 and restarts after a success). */
export function reconnectDelay(attempt: number, random = Math.random): number {
  return Math.floor(random() * backoffCeiling(REDIS_BACKOFF, Math.max(0, attempt - 1)));
}

function connect(config: CounterStoreConfig, logger: Logger, onSettleFailure: () => void): CounterClient & { ready(): boolean; quit(): Promise<void> } {
  const redis = new Redis(config.url, {
    // Fail fast while disconnected: a request is not held waiting for Redis (onStoreDown decides).
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: 2_000,
    retryStrategy: (attempt: number) => reconnectDelay(attempt),
    // Calls made in the same tick go out as one pipeline (one round trip, one write).
    enableAutoPipelining: true,
    lazyConnect: false,
  });
  redis.defineCommand("palisadeAdmit", { lua: ADMIT_SCRIPT });
  redis.defineCommand("palisadeSettle", { lua: SETTLE_SCRIPT });
  const scripts = redis as unknown as ScriptCommands;
  const where = (() => { const url = new URL(config.url); return `${url.protocol}//${url.host}`; })();
  let wasReady = false;
  let down = false;
  redis.on("ready", () => {
    wasReady = true;
    if (down) logger.warn({ counterStore: where }, "counter store reachable again; shared limits counted in it again");
    else logger.info({ counterStore: where }, "counter store connected");
    down = false;
  });
  // An 'error' without a listener would crash the process; the state change is what matters.
  redis.on("error", (error: Error) => {
    if (!down && wasReady) logger.warn({ counterStore: where, err: error.message }, "counter store unreachable; limits follow their onStoreDown until it answers");
    down = wasReady;
  });
  redis.on("close", () => {
    if (wasReady && !down) {
      down = true;
      logger.warn({ counterStore: where }, "counter store connection lost; limits follow their onStoreDown until it answers");
    }
  });
  let firstReady: Promise<void> | undefined;
  const untilFirstReady = () => (firstReady ??= new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { redis.off("ready", ready); reject(new StoreDownError("counter store not connected yet")); }, FIRST_CONNECT_WAIT_MS);
    timer.unref();
    function ready() { clearTimeout(timer); resolve(); }
    redis.once("ready", ready);
  }));
  const withKeys = (keys: readonly string[], args: readonly (string | number)[]) => [keys.length, ...keys, ...args] as const;

  return {
    keyPrefix: config.keyPrefix,
    ready: () => redis.status === "ready",
    async admit(keys, now, args) {
      if (redis.status !== "ready") {
        // Only a store never connected yet is waited for (the agent's first requests); a lost one is not.
        if (wasReady) throw new StoreDownError(`counter store ${redis.status}`);
        await untilFirstReady().catch(() => { firstReady = undefined; throw new StoreDownError("counter store not connected yet"); });
      }
      try {
        return await scripts.palisadeAdmit(...withKeys(keys, [now, ...args]));
      } catch (error) {
        throw new StoreDownError(error instanceof Error ? error.message : String(error));
      }
    },
    async settle(keys, args) {
      try {
        await scripts.palisadeSettle(...withKeys(keys, args));
      } catch (error) {
        onSettleFailure();
        logger.warn({ counterStore: where, err: error instanceof Error ? error.message : String(error) }, "counter store settlement failed; a reservation stays as it was");
      }
    },
    async quit() {
      try {
        await redis.quit();
      } catch {
        redis.disconnect();
      }
    },
  };
}

/** The agent's counter stores; `onSettleFailure` counts settlements that did not reach Redis. */
export function createCounterStores(logger: Logger, onSettleFailure: () => void = () => {}): CounterStores {
  let current: { url: string; keyPrefix: string; client: ReturnType<typeof connect> } | undefined;
  const retired: Promise<void>[] = [];
  return {
    client(config) {
      if (!config) return undefined;
      if (current && current.url === config.url && current.keyPrefix === config.keyPrefix) return current.client;
      // A new URL: connect to it; the old client finishes what it was sent, then quits.
      if (current) retired.push(current.client.quit());
      current = { url: config.url, keyPrefix: config.keyPrefix, client: connect(config, logger, onSettleFailure) };
      return current.client;
    },
    // biome-ignore lint/plugin: made once per process (or per connection), not per request
    get up() {
      return current?.client.ready() ?? false;
    },
    async close() {
      if (current) retired.push(current.client.quit());
      current = undefined;
      await Promise.all(retired);
    },
  };
}

// Hears committed changes of other replicas: LISTEN on a dedicated PostgreSQL connection, kept
// open across server restarts with backoff and jitter.
import pg from "pg";
import type { Logger } from "pino";
import { CHANGE_CHANNEL } from "../storage/change-events.js";

/** An open LISTEN; `close` ends its connection. */
export interface ChangeListener {
  /** True while the LISTEN connection is open (reported as a metric). */
  readonly connected: boolean;
  close(): Promise<void>;
}

const MIN_RETRY_MS = 250;
const MAX_RETRY_MS = 15_000;

/** Calls `onChange` on every notification, and after each (re)connection, since some may be missed. */
export async function listenForChanges(databaseUrl: string, onChange: () => void, logger: Logger): Promise<ChangeListener> {
  let closed = false;
  let client: pg.Client | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let failures = 0;

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: databaseUrl });
    next.on("notification", () => onChange());
    next.on("error", (error) => logger.warn({ err: error }, "change listener connection failed"));
    next.on("end", () => {
      if (client === next && !closed) retry();
    });
    await next.connect();
    await next.query(`listen ${CHANGE_CHANNEL}`);
    if (closed) {
      await next.end();
      return;
    }
    client = next;
    failures = 0;
    onChange();
  };

  const retry = (): void => {
    client = undefined;
    failures += 1;
    const ceiling = Math.min(MAX_RETRY_MS, MIN_RETRY_MS * 2 ** failures);
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);  // jitter: replicas do not retry in step
    retryTimer = setTimeout(() => {
      connect().catch((error: unknown) => {
        logger.warn({ err: error }, "change listener could not reconnect");
        if (!closed) retry();
      });
    }, delay);
  };

  await connect();
  return {
    get connected() {
      return client !== undefined;
    },
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      const current = client;
      client = undefined;
      await current?.end().catch(() => undefined);
    },
  };
}

// Which replica delivers which sink: a PostgreSQL session advisory lock per sink, all held on one
// dedicated connection of this replica. If that connection breaks, PostgreSQL releases its locks,
// another replica takes the sinks over, and this one stops delivering them. PGlite serves one
// process, so there every lease is granted.
import pg from "pg";
import type { Logger } from "pino";

// Arbitrary constant naming the advisory-lock class of sink leases (the object id hashes the name).
const SINK_LOCK_CLASS = 7_300_010;

/** Per-sink exclusive leases. */
export interface SinkLeases {
  /** Takes the lease of `sink` if nobody holds it; true when this replica holds it now. */
  tryAcquire(sink: string): Promise<boolean>;
  /** Whether this replica still holds `sink` (false once the lease connection broke). */
  holds(sink: string): boolean;
  release(sink: string): Promise<void>;
  close(): Promise<void>;
}

/** Leases that are always granted (PGlite: one process, one deliverer). */
export function localLeases(): SinkLeases {
  const held = new Set<string>();
  return {
    async tryAcquire(sink) {
      held.add(sink);
      return true;
    },
    holds: (sink) => held.has(sink),
    async release(sink) {
      held.delete(sink);
    },
    async close() {
      held.clear();
    },
  };
}

/** Leases as advisory locks on a connection of their own to `databaseUrl`, opened on first use. */
export function postgresLeases(databaseUrl: string, logger: Logger): SinkLeases {
  let client: pg.Client | undefined;
  let connecting: Promise<pg.Client> | undefined;
  const held = new Set<string>();

  const connection = (): Promise<pg.Client> => {
    if (client) return Promise.resolve(client);
    connecting ??= (async () => {
      const next = new pg.Client({ connectionString: databaseUrl, application_name: "palisade-sink-leases" });
      next.on("error", (error) => logger.warn({ err: error }, "sink lease connection failed"));
      next.on("end", () => {
        // Every lock went with the connection.
        if (client === next) client = undefined;
        held.clear();
      });
      await next.connect();
      client = next;
      return next;
    })().finally(() => {
      connecting = undefined;
    });
    return connecting;
  };

  return {
    async tryAcquire(sink) {
      if (held.has(sink)) return true;
      const c = await connection();
      const result = await c.query<{ locked: boolean }>("select pg_try_advisory_lock($1, hashtext($2)) as locked", [SINK_LOCK_CLASS, sink]);
      const locked = result.rows[0]?.locked === true;
      if (locked) held.add(sink);
      return locked;
    },
    holds: (sink) => held.has(sink),
    async release(sink) {
      if (!held.delete(sink) || !client) return;
      await client.query("select pg_advisory_unlock($1, hashtext($2))", [SINK_LOCK_CLASS, sink]).catch(() => undefined);
    },
    async close() {
      held.clear();
      const current = client;
      client = undefined;
      await current?.end().catch(() => undefined);
    },
  };
}

// Newly committed sessions, as they are committed by any replica, for `palisade audit tail`.
// PostgreSQL: the inserting transaction NOTIFYs the new ids on `palisade_sessions` (delivered to
// every listener at commit, in commit order); one LISTEN connection per control plane hears them,
// its own commits included. PGlite (one process): the sink reports its commits directly.
import pg from "pg";
import type { Logger } from "pino";
import { boundQuery } from "./bound-query.js";
import type { Database } from "./database.js";
import type { CommitObserver } from "./exchanges.js";

/** The NOTIFY channel carrying committed session ids. */
export const SESSION_CHANNEL = "palisade_sessions";
// NOTIFY payloads must stay under 8000 bytes; ids are joined by newlines up to this many.
const PAYLOAD_BYTES = 7000;

/** One subscriber: told new ids, and told when the feed lost sessions (its connection broke). */
export interface FeedListener {
  sessions(ids: string[]): void;
  lost(): void;
}

/** Live session ids for tails; `observer` goes to the exchange sink. */
export interface SessionFeed {
  readonly observer: CommitObserver;
  /** Tells `listener` each batch of newly committed ids until the returned function is called. */
  subscribe(listener: FeedListener): Promise<() => void>;
  close(): Promise<void>;
}

/** Splits `ids` into NOTIFY payloads (an id too long for one payload is left out). */
export function notifyPayloads(ids: readonly string[]): string[] {
  const payloads: string[] = [];
  let current = "";
  for (const id of ids) {
    if (Buffer.byteLength(id) > PAYLOAD_BYTES || id.includes("\n")) continue;
    if (current && Buffer.byteLength(current) + Buffer.byteLength(id) + 1 > PAYLOAD_BYTES) {
      payloads.push(current);
      current = "";
    }
    current = current ? `${current}\n${id}` : id;
  }
  if (current) payloads.push(current);
  return payloads;
}

/** The feed over `db`: NOTIFY/LISTEN on PostgreSQL, in-process on PGlite. */
export function createSessionFeed(db: Database, logger: Logger): SessionFeed {
  const listeners = new Set<FeedListener>();
  const publish = (ids: string[]) => {
    for (const listener of listeners) listener.sessions(ids);
  };
  const url = db.databaseUrl;
  let connection: Promise<pg.Client> | undefined;
  let closed = false;

  const listen = async (): Promise<pg.Client> => {
    const client = new pg.Client({ connectionString: url });
    client.on("notification", (message) => {
      if (message.channel === SESSION_CHANNEL && message.payload) publish(message.payload.split("\n"));
    });
    client.on("error", (error) => logger.warn({ err: error }, "session feed connection failed"));
    // A lost connection is opened again by the next subscriber; open tails are ended so that their
    // callers know they may have missed sessions (docs/audit.md).
    client.on("end", () => {
      connection = undefined;
      if (!closed) for (const listener of listeners) listener.lost();
    });
    await client.connect();
    await client.query(`listen ${SESSION_CHANNEL}`);
    return client;
  };

  return {
    observer: {
      async inTransaction(tx, ids) {
        if (!url) return;
        // One statement for every payload; NOTIFYs of one transaction are delivered in order.
        await boundQuery(tx, "select pg_notify($1, payload) from unnest($2::text[]) as payload", [SESSION_CHANNEL, notifyPayloads(ids)]);
      },
      committed(ids) {
        if (!url) publish(ids);
      },
    },
    async subscribe(listener) {
      if (url) {
        connection ??= listen();
        try {
          await connection;
        } catch (error) {
          connection = undefined;
          throw error;
        }
      }
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      closed = true;
      listeners.clear();
      const client = connection;
      connection = undefined;
      await client?.then((c) => c.end()).catch(() => undefined);
    },
  };
}

/** A feed that never hears a session: for an admin API with no exchange sink behind it. */
export const idleSessionFeed: SessionFeed = {
  observer: { inTransaction: async () => {}, committed: () => {} },
  subscribe: async () => () => {},
  close: async () => {},
};

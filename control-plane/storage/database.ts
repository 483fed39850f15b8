// Opens the control plane's database: PostgreSQL when a URL is given, embedded PGlite otherwise.
// Both run the same entities and the same migrations, applied here at open.
import { EventEmitter } from "node:events";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Migrator } from "@mikro-orm/migrations";
import { MikroORM as PgliteOrm } from "@mikro-orm/pglite";
import { MikroORM as PostgresOrm } from "@mikro-orm/postgresql";
import type { EntityManager } from "@mikro-orm/sql";
import { entities } from "./entities.js";
import { migrations } from "./migrations/index.js";
import { withMigrationLock } from "./migration-lock.js";
import { releaseConnectionsOnFailedRollback } from "./failed-rollback.js";
import { currentCarrier } from "./transaction-carrier.js";

/** Which engine the database runs on. */
export type DatabaseFlavour = "postgres" | "pglite";

/** Where the database is. */
export interface DatabaseOptions {
  databaseUrl?: string;  // PostgreSQL; absent = embedded PGlite
  dataDir?: string;      // PGlite files under `${dataDir}/db`; absent = in-memory
}

/** An open database with its migrations applied. */
export interface Database {
  readonly flavour: DatabaseFlavour;
  /** The PostgreSQL URL, for connections outside the ORM pool (LISTEN); undefined on PGlite. */
  readonly databaseUrl: string | undefined;
  /** A fresh EntityManager for one unit of work. */
  em(): EntityManager;
  /** Runs `work` in one transaction; resolves after commit, then signals recorded changes. */
  transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T>;
  /** Calls `listener` after each commit of this process that recorded a change event. */
  onLocalChange(listener: () => void): () => void;
  close(): Promise<void>;
}

// Transactions that recorded a change event, so `transaction` knows to signal after commit.
const changedTransactions = new WeakSet<EntityManager>();

/** Marks the transaction of `em` as having recorded a change (see change-events.ts). */
export function markChanged(em: EntityManager): void {
  changedTransactions.add(em);
}

const common = {
  entities,
  extensions: [Migrator],
  migrations: { migrationsList: migrations, transactional: true, snapshot: false, silent: true },
  allowGlobalContext: false,
  debug: false,
};

// TCP keepalive on every connection to PostgreSQL. A database that vanishes without a reset (a
// failover moving its address, a host lost, a path dropping packets) leaves a query in flight —
// an exchange commit — waiting for an answer that never comes: with nothing unacknowledged to
// resend, TCP alone never notices, the commit never ends, its agents get no ACK and, their buffers
// full, refuse every request until the control plane is restarted. With keepalive the operating
// system probes an idle connection after 10 s and gives up on a dead one (Linux's defaults: 9
// probes 75 s apart, about 11 minutes); the query fails, the stream ends UNAVAILABLE, and the agents
// resend through a connection to the database as it is now.
const postgresSockets = { keepAlive: true, keepAliveInitialDelayMillis: 10_000 };

/** Opens (and migrates) the database described by `options`. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const flavour: DatabaseFlavour = options.databaseUrl ? "postgres" : "pglite";
  releaseConnectionsOnFailedRollback();
  const orm = options.databaseUrl
    ? await PostgresOrm.init({ ...common, clientUrl: options.databaseUrl, pool: { min: 0, max: 10 }, driverOptions: postgresSockets })
    : await PgliteOrm.init({ ...common, dbName: pgliteLocation(options.dataDir) });
  try {
    await withMigrationLock(options.databaseUrl, () => orm.migrator.up().then(() => undefined));
  } catch (error) {
    await orm.close(true);
    throw error;
  }
  const signal = new EventEmitter();
  const em = () => orm.em.fork() as EntityManager;
  return {
    flavour,
    databaseUrl: options.databaseUrl,
    em,
    async transaction(work) {
      let changed = false;
      let carried: (() => void) | undefined;
      const result = await em().transactional(async (tx) => {
        const value = await work(tx as EntityManager);
        changed = changedTransactions.has(tx as EntityManager);
        // Rows carried by the calling context (an admin RPC's audit entry) commit with this transaction.
        carried = await currentCarrier()?.(tx as EntityManager);
        return value;
      });
      carried?.();
      if (changed) signal.emit("change");
      return result;
    },
    onLocalChange(listener) {
      signal.on("change", listener);
      return () => signal.off("change", listener);
    },
    async close() {
      signal.removeAllListeners();
      await orm.close(true);
    },
  };
}

function pgliteLocation(dataDir: string | undefined): string {
  if (!dataDir) return "memory://";
  const dir = join(dataDir, "db");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

// Works around a connection leak in Kysely 0.29 (under MikroORM 7): a controlled transaction
// releases its pooled connection only after ROLLBACK succeeds. When the connection died mid-
// transaction (PostgreSQL restarted, the network cut), ROLLBACK fails too, the connection is never
// given back, and the pool shrinks by one for good — `orm.close()` then waits forever, and after
// `pool.max` such failures every query waits. Here a failed ROLLBACK is not an error: the
// transaction is gone with its connection either way. Kysely then releases the connection, and the
// pool drops it as no longer queryable. The transaction's own error still reaches the caller.
// Tested in test/faults/postgres-restart.test.ts (a commit in flight while PostgreSQL restarts).
import { PostgresDriver } from "kysely";

const patched = Symbol.for("palisade.rollbackReleases");
const prototype = PostgresDriver.prototype as PostgresDriver & { [patched]?: true };

/** Makes every Kysely PostgreSQL transaction give its connection back even when ROLLBACK fails. */
export function releaseConnectionsOnFailedRollback(): void {
  if (prototype[patched]) return;
  prototype[patched] = true;
  const rollback = prototype.rollbackTransaction;
  prototype.rollbackTransaction = async function (this: PostgresDriver, connection) {
    try {
      await rollback.call(this, connection);
    } catch {
      // The connection is dead (ROLLBACK on a live PostgreSQL session does not fail).
    }
  };
}

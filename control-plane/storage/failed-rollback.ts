// Works around two connection leaks in Kysely 0.29 (under MikroORM 7), both seen when PostgreSQL
// restarts (or the network cuts) under load: a controlled transaction (`startTransaction`, what
// MikroORM uses) gives its pooled connection back only after COMMIT or ROLLBACK succeeds, so
//
// - when the connection died mid-transaction, ROLLBACK fails too and the connection is never
//   given back; here a failed ROLLBACK is not an error (the transaction is gone with its connection
//   either way), so Kysely releases it and the pool drops it as no longer queryable;
// - when BEGIN itself fails (a pooled connection that died while idle), the builder throws before
//   the transaction exists and nothing ever releases the connection; here it is released at once.
//
// Either leak shrinks the pool by one for good: `orm.close()` then waits forever, and after
// `pool.max` of them every query waits. The transactions' own errors still reach the callers.
// Tested in test/faults/postgres-restart.test.ts (commits in flight while PostgreSQL restarts; the
// test's close is bounded) and control-plane/storage/failed-rollback.test.ts.
import { PostgresDriver } from "kysely";

type Connection = Parameters<PostgresDriver["beginTransaction"]>[0];

const patched = Symbol.for("palisade.rollbackReleases");
const prototype = PostgresDriver.prototype as PostgresDriver & { [patched]?: true };

/** Makes every Kysely PostgreSQL transaction give its connection back even when ROLLBACK or BEGIN fails. */
export function releaseConnectionsOnFailedRollback(): void {
  if (prototype[patched]) return;
  prototype[patched] = true;
  const { acquireConnection: acquire, beginTransaction: begin, rollbackTransaction: rollback, releaseConnection: release } = prototype;

  prototype.rollbackTransaction = async function (this: PostgresDriver, connection) {
    try {
      await rollback.call(this, connection);
    } catch {
      // The connection is dead (ROLLBACK on a live PostgreSQL session does not fail).
    }
  };

  // Released here after a failed BEGIN, until acquired again: Kysely's other (callback) transaction
  // releases its connection itself once the callback fails, and must not release it twice.
  const releasedEarly = new WeakSet<Connection>();
  prototype.beginTransaction = async function (this: PostgresDriver, connection, settings) {
    try {
      await begin.call(this, connection, settings);
    } catch (error) {
      releasedEarly.add(connection);
      await release.call(this, connection as Parameters<typeof release>[0]);
      throw error;
    }
  };
  prototype.releaseConnection = async function (this: PostgresDriver, connection) {
    if (releasedEarly.delete(connection)) return;
    await release.call(this, connection);
  };
  prototype.acquireConnection = async function (this: PostgresDriver) {
    const connection = await acquire.call(this);
    releasedEarly.delete(connection);
    return connection;
  };
}

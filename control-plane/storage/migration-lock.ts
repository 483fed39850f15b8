// Serialises migrations between control-plane replicas starting together on one PostgreSQL.
import pg from "pg";

// Arbitrary constant naming Palisade's migration lock among PostgreSQL advisory locks.
const MIGRATION_LOCK_KEY = 7_300_001;

/** Runs `migrate` holding a session advisory lock on PostgreSQL; directly on PGlite (one session). */
export async function withMigrationLock(databaseUrl: string | undefined, migrate: () => Promise<void>): Promise<void> {
  if (!databaseUrl) return migrate();
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    await migrate();
  } finally {
    await client.end();  // ending the session releases the lock
  }
}

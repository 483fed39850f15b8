// Statements with bound parameters ($1, $2, …), sent through the driver underneath MikroORM.
// `em.execute` formats every parameter into the SQL text on the client (each body escaped and
// copied into the statement), which dominated the control plane's CPU at ingest; here the values
// travel as parameters and PostgreSQL parses no literals. Works on PostgreSQL (pg) and PGlite,
// inside the caller's transaction when there is one.
import type { EntityManager } from "@mikro-orm/sql";
import { CompiledQuery, type Kysely, type Transaction } from "kysely";

/** Runs `sql` (placeholders `$1`…) with `params` on `em`'s transaction (or its pool); its rows. */
export async function boundQuery<T>(em: EntityManager, sql: string, params: readonly unknown[]): Promise<T[]> {
  const executor = em.getTransactionContext<Transaction<unknown>>() ?? (em.getConnection().getClient() as Kysely<unknown>);
  const result = await executor.executeQuery<T>(CompiledQuery.raw(sql, [...params]));
  return [...result.rows];
}

/**
 * `unnest($1::type[], $2::type[], …)` over `types`, with its parameters starting at `$first`: a
 * whole batch of rows in one statement, one array parameter per column.
 */
export function unnestSql(types: readonly string[], first = 1): string {
  return `unnest(${types.map((type, i) => `$${first + i}::${type}[]`).join(", ")})`;
}

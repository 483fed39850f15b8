// The link between policies and the connections they name: a policy may only name connections
// that exist, and a connection named by a policy cannot be deleted. Row locks make the two checks
// safe against each other when they run concurrently on PostgreSQL (see docs/policies.md).
import type { EntityManager } from "@mikro-orm/sql";
import type { Policy } from "../../../gen/palisade/admin/v1/resources_pb.js";
import { InvalidResourceError } from "./resource-kind.js";

/** A resource that other resources still name (a message for the caller). */
export class ResourceInUseError extends Error {}

/** The wildcard that names every connection. */
export const ALL_CONNECTIONS = "*";

/**
 * Throws InvalidResourceError unless every connection the policies name exists in `tx` (which sees
 * what the same apply wrote before). One query for the whole apply; it locks the named rows so a
 * concurrent delete of one of them waits for this transaction.
 */
export async function checkPolicyConnections(tx: EntityManager, policies: readonly Policy[]): Promise<void> {
  const names = [...new Set(policies.flatMap((policy) => policy.connections).filter((name) => name !== ALL_CONNECTIONS))];
  if (names.length === 0) return;
  const rows = await tx.execute<{ name: string }[]>(
    `select name from connection where name in (${names.map(() => "?").join(", ")}) for key share`,
    names,
  );
  const found = new Set(rows.map((row) => row.name));
  for (const policy of policies) {
    const missing = [...new Set(policy.connections)].filter((name) => name !== ALL_CONNECTIONS && !found.has(name));
    if (missing.length === 0) continue;
    const list = missing.map((name) => `"${name}"`).join(", ");
    throw new InvalidResourceError(`policy "${policy.name}": connection${missing.length > 1 ? "s" : ""} ${list} not found`);
  }
}

/**
 * Throws ResourceInUseError when a policy names `connection`. Run after deleting the row in the
 * same transaction: the delete holds the row lock, so a policy committed meanwhile is seen here.
 */
export async function checkConnectionUnused(tx: EntityManager, connection: string): Promise<void> {
  const rows = await tx.execute<{ name: string }[]>(
    "select name from policy where connections @> ?::jsonb order by name",
    [JSON.stringify([connection])],
  );
  if (rows.length === 0) return;
  const shown = rows.slice(0, 5).map((row) => `"${row.name}"`).join(", ");
  const names = rows.length > 5 ? `${shown} and ${rows.length - 5} more` : shown;
  throw new ResourceInUseError(
    `connection "${connection}" is named by polic${rows.length > 1 ? "ies" : "y"} ${names}; change or delete ${rows.length > 1 ? "them" : "it"} first`,
  );
}

// Admin API tokens: `pat_<secret>`, stored as sha256 hex under a name.
import type { Database } from "../storage/database.js";
import { AdminTokenRow } from "../storage/entities.js";
import { hashToken, matchesHash, randomSecret } from "./token-hash.js";

/** The name of the token set by PALISADE_ADMIN_TOKEN or generated at first start. */
export const BOOTSTRAP_TOKEN_NAME = "bootstrap";

/**
 * Makes sure an admin token exists; returns the token only when this call generated it. Safe when
 * several control planes start at once on one database: a given token is upserted; a generated
 * one is inserted only if no bootstrap token exists yet, and only the start that inserted it reports it.
 */
export async function bootstrapAdminToken(db: Database, given: string | undefined): Promise<string | undefined> {
  const token = given ?? `pat_${randomSecret()}`;
  const onConflict = given ? "do update set token_hash = excluded.token_hash" : "do nothing";
  const inserted = await db.transaction((tx) =>
    tx.execute<{ name: string }[]>(
      `insert into admin_token (name, token_hash, created_at) values (?, ?, ?) on conflict (name) ${onConflict} returning name`,
      [BOOTSTRAP_TOKEN_NAME, hashToken(token), new Date()],
    ),
  );
  return !given && inserted.length > 0 ? token : undefined;
}

/** Resolves an admin token to its name, or undefined when it is not a stored admin token. */
export type AdminTokenVerifier = (token: string) => Promise<string | undefined>;

/** A verifier reading the stored hashes (few rows), comparing each in constant time. */
export function createAdminTokenVerifier(db: Database): AdminTokenVerifier {
  return async (token) => {
    const rows = await db.em().find(AdminTokenRow, {});
    return rows.find((row) => matchesHash(token, row.tokenHash))?.name;
  };
}

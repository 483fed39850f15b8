// Admin API tokens: `pat_<secret>`, stored as sha256 hex under a name.
import type { Database } from "../storage/database.js";
import { AdminTokenRow } from "../storage/entities.js";
import { hashToken, matchesHash, randomSecret } from "./token-hash.js";

/** The name of the token set by PALISADE_ADMIN_TOKEN or generated at first start. */
export const BOOTSTRAP_TOKEN_NAME = "bootstrap";

/** Makes sure an admin token exists; returns the token only when this call generated it. */
export async function bootstrapAdminToken(db: Database, given: string | undefined): Promise<string | undefined> {
  return db.transaction(async (tx) => {
    const existing = await tx.findOne(AdminTokenRow, { name: BOOTSTRAP_TOKEN_NAME });
    if (!given && existing) return undefined;
    const token = given ?? `pat_${randomSecret()}`;
    if (existing) {
      existing.tokenHash = hashToken(token);  // a newly given bootstrap token replaces the old one
    } else {
      tx.create(AdminTokenRow, { name: BOOTSTRAP_TOKEN_NAME, tokenHash: hashToken(token), createdAt: new Date() });
    }
    await tx.flush();
    return given ? undefined : token;
  });
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

// The service-account issuer's ES256 keys, kept in the database so every replica signs with the
// same key and publishes the same JWKS.
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from "jose";
import type { EntityManager } from "@mikro-orm/sql";
import { secretBox } from "../crypto/secret-registry.js";
import { recordChange } from "../storage/change-events.js";
import type { Database } from "../storage/database.js";
import { SigningKeyRow } from "../storage/entities.js";

/** The JWT `iss` of tokens the control plane signs. */
export const SERVICE_ACCOUNT_ISSUER = "urn:palisade:service-accounts";
/** The JWT `aud` of tokens the control plane signs. */
export const SERVICE_ACCOUNT_AUDIENCE = "palisade";
/** The issuer's name in snapshots. */
export const SERVICE_ACCOUNT_ISSUER_NAME = "palisade";
/** The signing algorithm. */
export const SIGNING_ALGORITHM = "ES256";

// Arbitrary constant naming the advisory lock that keeps replicas from each creating a first key.
const KEY_LOCK = 7_300_002;

/** A signing key as stored. */
export interface SigningKey {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
  createdAt: Date;
}

/** Every signing key, newest first. */
export async function loadSigningKeys(em: EntityManager): Promise<SigningKey[]> {
  const rows = await em.find(SigningKeyRow, {}, { orderBy: { createdAt: "desc", kid: "asc" } });
  const box = secretBox(em);
  return rows.map((row) => ({
    kid: row.kid, privateJwk: JSON.parse(box.open(row.privateJwkSealed)) as JWK, publicJwk: row.publicJwk as JWK, createdAt: row.createdAt,
  }));
}

/** Makes sure a signing key exists, creating the first one (once across replicas). */
export async function ensureSigningKey(db: Database): Promise<void> {
  if ((await loadSigningKeys(db.em())).length > 0) return;
  await db.transaction(async (tx) => {
    await tx.execute("select pg_advisory_xact_lock(?)", [KEY_LOCK]);
    if ((await loadSigningKeys(tx)).length > 0) return;
    const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const privateJwkSealed = secretBox(tx).seal(JSON.stringify(await exportJWK(privateKey)));
    tx.create(SigningKeyRow, { kid, privateJwkSealed, publicJwk, createdAt: new Date() });
    await tx.flush();
    await recordChange(tx, { kind: "signing_key", name: kid, action: "create", actor: "control-plane" });
  });
}

/** The public JWKS (JSON) of `keys`, as agents receive it inline in every snapshot. */
export function publicJwks(keys: SigningKey[]): string {
  return JSON.stringify({
    keys: keys.map((key) => ({ ...key.publicJwk, kid: key.kid, alg: SIGNING_ALGORITHM, use: "sig" })),
  });
}

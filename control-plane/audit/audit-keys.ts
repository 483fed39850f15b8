// The ES256 key that signs audit checkpoints: created once per deployment (across replicas, under
// an advisory lock), the private half sealed at rest with the control plane's secret box like the
// service-account keys, the public half exportable as a JWK for offline verification.
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from "jose";
import type { EntityManager } from "@mikro-orm/sql";
import { secretBox } from "../crypto/secret-registry.js";
import type { Database } from "../storage/database.js";
import { CHECKPOINT_ALGORITHM } from "./checkpoint-token.js";

// Arbitrary constant naming the advisory lock that keeps replicas from each creating a first key.
const AUDIT_KEY_LOCK = 7_300_009;

/** A checkpoint signing key. */
export interface AuditKey {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

/** The public keys (kid, alg and use set), oldest first. */
export async function auditPublicKeys(em: EntityManager): Promise<JWK[]> {
  const rows = await em.execute<{ kid: string; public_jwk: JWK | string }[]>(
    "select kid, public_jwk from audit_signing_key order by created_at, kid",
  );
  return rows.map((row) => publicJwk(row.kid, typeof row.public_jwk === "string" ? JSON.parse(row.public_jwk) as JWK : row.public_jwk));
}

function publicJwk(kid: string, jwk: JWK): JWK {
  return { ...jwk, kid, alg: CHECKPOINT_ALGORITHM, use: "sig" };
}

async function newestKey(em: EntityManager): Promise<AuditKey | undefined> {
  const rows = await em.execute<{ kid: string; private_jwk_sealed: string; public_jwk: JWK | string }[]>(
    "select kid, private_jwk_sealed, public_jwk from audit_signing_key order by created_at desc, kid limit 1",
  );
  const row = rows[0];
  if (!row) return undefined;
  const stored = typeof row.public_jwk === "string" ? JSON.parse(row.public_jwk) as JWK : row.public_jwk;
  return { kid: row.kid, privateJwk: JSON.parse(secretBox(em).open(row.private_jwk_sealed)) as JWK, publicJwk: publicJwk(row.kid, stored) };
}

/** The current checkpoint key, creating the first one (once across replicas). */
export async function ensureAuditKey(db: Database): Promise<AuditKey> {
  const existing = await newestKey(db.em());
  if (existing) return existing;
  return db.transaction(async (tx) => {
    await tx.execute("select pg_advisory_xact_lock(?)", [AUDIT_KEY_LOCK]);
    const raced = await newestKey(tx);
    if (raced) return raced;
    const { privateKey, publicKey } = await generateKeyPair(CHECKPOINT_ALGORITHM, { extractable: true });
    const jwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(jwk);
    const privateJwk = await exportJWK(privateKey);
    await tx.execute(
      "insert into audit_signing_key (kid, private_jwk_sealed, public_jwk) values (?, ?, ?::jsonb)",
      [kid, secretBox(tx).seal(JSON.stringify(privateJwk)), JSON.stringify(jwk)],
    );
    return { kid, privateJwk, publicJwk: publicJwk(kid, jwk) };
  });
}

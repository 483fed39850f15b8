// The ES256 keys that sign audit checkpoints: the first created once per deployment (across
// replicas, under an advisory lock), the private halves sealed at rest with the control plane's
// secret box like the service-account keys, the public halves exportable as JWKs for offline
// verification. Each key signs the checkpoints of one range of seqs: from `valid_from_seq` to
// `retired_seq` (open while it is the current key); rotation is in audit-key-rotation.ts. The
// range travels in the published JWK (VALID_FROM/VALID_TO members) so that offline verifiers
// refuse a checkpoint signed by a key outside its range.
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from "jose";
import type { EntityManager } from "@mikro-orm/sql";
import { secretBox } from "../crypto/secret-registry.js";
import type { Database } from "../storage/database.js";
import { CHECKPOINT_ALGORITHM, type CheckpointJwk, VALID_FROM, VALID_TO } from "./checkpoint-token.js";

/**
 * The advisory lock of the checkpoint key: held exclusively to create or rotate it, shared while
 * signing a checkpoint, so no checkpoint is signed with a key a rotation retires meanwhile.
 */
export const AUDIT_KEY_LOCK = 7_300_009;

/** A public checkpoint key with its range of seqs. */
export type AuditPublicJwk = CheckpointJwk;

/** A checkpoint signing key. */
export interface AuditKey {
  kid: string;
  privateJwk: JWK;
  publicJwk: AuditPublicJwk;
}

interface KeyRow {
  kid: string;
  private_jwk_sealed: string;
  public_jwk: JWK | string;
  valid_from_seq: string | number;
  retired_seq: string | number | null;
}

function publicJwk(row: KeyRow): AuditPublicJwk {
  const stored = typeof row.public_jwk === "string" ? JSON.parse(row.public_jwk) as JWK : row.public_jwk;
  return {
    ...stored, kid: row.kid, alg: CHECKPOINT_ALGORITHM, use: "sig",
    [VALID_FROM]: Number(row.valid_from_seq),
    ...(row.retired_seq !== null && { [VALID_TO]: Number(row.retired_seq) }),
  };
}

const COLUMNS = "kid, private_jwk_sealed, public_jwk, valid_from_seq, retired_seq";

/** The public keys (kid, alg, use and their range of seqs set), oldest first. */
export async function auditPublicKeys(em: EntityManager): Promise<AuditPublicJwk[]> {
  const rows = await em.execute<KeyRow[]>(`select ${COLUMNS} from audit_signing_key order by valid_from_seq, created_at, kid`);
  return rows.map(publicJwk);
}

/** The key that signs new checkpoints (the one not retired), if there is one yet. */
export async function currentAuditKey(em: EntityManager): Promise<AuditKey | undefined> {
  const rows = await em.execute<KeyRow[]>(
    `select ${COLUMNS} from audit_signing_key where retired_seq is null order by valid_from_seq desc, created_at desc limit 1`,
  );
  const row = rows[0];
  if (!row) return undefined;
  return { kid: row.kid, privateJwk: JSON.parse(secretBox(em).open(row.private_jwk_sealed)) as JWK, publicJwk: publicJwk(row) };
}

/** A fresh key pair, not stored yet. */
export async function newAuditKeyPair(): Promise<AuditKey> {
  const { privateKey, publicKey } = await generateKeyPair(CHECKPOINT_ALGORITHM, { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, privateJwk: await exportJWK(privateKey), publicJwk: { ...jwk, kid, alg: CHECKPOINT_ALGORITHM, use: "sig" } };
}

/** Stores `key` as signing from `fromSeq` on, inside `tx` (which holds AUDIT_KEY_LOCK). */
export async function storeAuditKey(tx: EntityManager, key: AuditKey, fromSeq: number): Promise<AuditKey> {
  const { kid: _kid, alg: _alg, use: _use, ...jwk } = key.publicJwk;
  await tx.execute(
    "insert into audit_signing_key (kid, private_jwk_sealed, public_jwk, valid_from_seq) values (?, ?, ?::jsonb, ?)",
    [key.kid, secretBox(tx).seal(JSON.stringify(key.privateJwk)), JSON.stringify(jwk), fromSeq],
  );
  return { ...key, publicJwk: { ...key.publicJwk, [VALID_FROM]: fromSeq } };
}

/** The current checkpoint key, creating the first one (once across replicas). */
export async function ensureAuditKey(db: Database): Promise<AuditKey> {
  const existing = await currentAuditKey(db.em());
  if (existing) return existing;
  return db.transaction(async (tx) => {
    await tx.execute("select pg_advisory_xact_lock(?)", [AUDIT_KEY_LOCK]);
    return (await currentAuditKey(tx)) ?? storeAuditKey(tx, await newAuditKeyPair(), 1);
  });
}

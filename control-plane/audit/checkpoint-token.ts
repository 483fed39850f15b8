// A checkpoint is a compact JWS (ES256) over {seq, hash, count, time}: the chain head at `seq`, its
// hash, how many entries the chain holds up to it, and when it was signed.
import { CompactSign, compactVerify, type CryptoKey, importJWK, type JWK } from "jose";

/** The JWS `typ` of checkpoints, so a token signed for another purpose is never taken for one. */
export const CHECKPOINT_TYPE = "palisade-audit-checkpoint+jws";
/** The signing algorithm. */
export const CHECKPOINT_ALGORITHM = "ES256";

/** What a checkpoint signs. */
export interface CheckpointClaims {
  seq: number;
  hash: string;
  count: number;
  /** RFC 3339, UTC, milliseconds. */
  time: string;
}

/** A checkpoint as stored and exported. */
export interface CheckpointRecord extends CheckpointClaims {
  kid: string;
  jws: string;
}

/** Signs `claims` with `privateJwk` (its kid in the header). */
export async function signCheckpoint(claims: CheckpointClaims, kid: string, privateJwk: JWK): Promise<string> {
  const key = await importJWK(privateJwk, CHECKPOINT_ALGORITHM);
  const { seq, hash, count, time } = claims;
  return new CompactSign(new TextEncoder().encode(JSON.stringify({ seq, hash, count, time })))
    .setProtectedHeader({ alg: CHECKPOINT_ALGORITHM, kid, typ: CHECKPOINT_TYPE })
    .sign(key);
}

/** The `action` of the admin entry recording a rotation of the checkpoint key (audit-key-rotation.ts). */
export const KEY_ROTATION_ACTION = "rotate audit checkpoint key";

/** JWK member: the first seq whose checkpoint the key may sign (absent: no lower bound). */
export const VALID_FROM = "palisade_valid_from_seq";
/** JWK member: the last seq whose checkpoint the key may sign (set once the key is retired). */
export const VALID_TO = "palisade_valid_to_seq";

/** A public checkpoint key, with the range of seqs it signs when known. */
export type CheckpointJwk = JWK & { [VALID_FROM]?: number; [VALID_TO]?: number };

/** Public keys by kid, for verification. */
export type CheckpointKeys = ReadonlyMap<string, CheckpointJwk>;

/** Why a key may not sign a checkpoint at `seq`, or undefined when its range of seqs includes it. */
function outsideValidity(jwk: CheckpointJwk, kid: string, seq: number): string | undefined {
  const { [VALID_FROM]: from, [VALID_TO]: to } = jwk;
  if (from !== undefined && seq < from) return `checkpoint at seq ${seq} is signed by key ${kid}, which signs only from seq ${from} on`;
  if (to !== undefined && seq > to) return `checkpoint at seq ${seq} is signed by key ${kid}, retired at seq ${to}`;
  return undefined;
}

/**
 * What is wrong with `record`, or undefined when its JWS verifies under the key its kid names, that
 * key's range of seqs (if the JWK states one) includes the record's seq, and it signs exactly the
 * claims the record states.
 */
export async function checkpointProblem(record: CheckpointRecord, keys: CheckpointKeys): Promise<string | undefined> {
  const jwk = keys.get(record.kid);
  if (!jwk) return `checkpoint at seq ${record.seq} is signed by unknown key ${record.kid}`;
  const outside = outsideValidity(jwk, record.kid, record.seq);
  if (outside) return outside;
  let claims: CheckpointClaims;
  try {
    const { [VALID_FROM]: _from, [VALID_TO]: _to, ...bare } = jwk;
    const key = await importJWK(bare, CHECKPOINT_ALGORITHM) as CryptoKey;
    const verified = await compactVerify(record.jws, key, { algorithms: [CHECKPOINT_ALGORITHM] });
    if (verified.protectedHeader.typ !== CHECKPOINT_TYPE || verified.protectedHeader.kid !== record.kid) {
      return `checkpoint at seq ${record.seq} has a wrong JWS header`;
    }
    claims = JSON.parse(new TextDecoder().decode(verified.payload)) as CheckpointClaims;
  } catch {
    return `checkpoint at seq ${record.seq}: signature does not verify`;
  }
  for (const field of ["seq", "hash", "count", "time"] as const) {
    if (claims[field] !== record[field]) return `checkpoint at seq ${record.seq}: signed ${field} differs from the stored one`;
  }
  return undefined;
}

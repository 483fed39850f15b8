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

/** Public keys by kid, for verification. */
export type CheckpointKeys = ReadonlyMap<string, JWK>;

/**
 * What is wrong with `record`, or undefined when its JWS verifies under the key its kid names and
 * signs exactly the claims the record states.
 */
export async function checkpointProblem(record: CheckpointRecord, keys: CheckpointKeys): Promise<string | undefined> {
  const jwk = keys.get(record.kid);
  if (!jwk) return `checkpoint at seq ${record.seq} is signed by unknown key ${record.kid}`;
  let claims: CheckpointClaims;
  try {
    const key = await importJWK(jwk, CHECKPOINT_ALGORITHM) as CryptoKey;
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

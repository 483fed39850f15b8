// Signs caller tokens for subjects (usually service accounts) with the newest signing key, and
// revokes them. Every token is recorded (jti, subject, expiry) so it can be revoked by jti.
import { randomUUID } from "node:crypto";
import { importJWK, SignJWT } from "jose";
import type { Database } from "../storage/database.js";
import { createRevocationStore, type RevocationTarget } from "../storage/resources/revocations.js";
import {
  loadSigningKeys, SERVICE_ACCOUNT_AUDIENCE, SERVICE_ACCOUNT_ISSUER, SIGNING_ALGORITHM,
} from "./signing-keys.js";

/** The longest lifetime a token may be issued with; a revocation by subject lasts this long. */
export const MAX_TOKEN_TTL_SECONDS = 30 * 24 * 3600;

/** What a token says about its caller. */
export interface TokenClaims {
  subject: string;
  groups: string[];
  email?: string;
  ttlSeconds: number;
}

/** A signed token. */
export interface IssuedToken {
  token: string;
  /** The `jti`, for revocation. */
  jti: string;
  expiresAt: Date;
  issuer: string;
}

/** Signs and revokes tokens as the service-account issuer. */
export interface TokenIssuer {
  issue(claims: TokenClaims): Promise<IssuedToken>;
  /**
   * Revokes one token by jti or every token of a subject issued until now, with its change
   * event; false when the token had already expired. Throws UnknownTokenError for an unknown jti.
   */
  revoke(target: RevocationTarget, actor: string): Promise<boolean>;
}

/** A token issuer over the signing keys in `db` (ensureSigningKey must have run). */
export function createTokenIssuer(db: Database): TokenIssuer {
  const store = createRevocationStore(db);
  return {
    async issue(claims) {
      const [key] = await loadSigningKeys(db.em());
      if (!key) throw new Error("no signing key in the database");
      const privateKey = await importJWK(key.privateJwk, SIGNING_ALGORITHM);
      const issuedAt = Math.floor(Date.now() / 1000);
      const expiresAt = issuedAt + claims.ttlSeconds;
      const jti = randomUUID();
      const payload: Record<string, unknown> = { groups: claims.groups };
      if (claims.email) payload.email = claims.email;
      const token = await new SignJWT(payload)
        .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: key.kid, typ: "JWT" })
        .setIssuer(SERVICE_ACCOUNT_ISSUER)
        .setAudience(SERVICE_ACCOUNT_AUDIENCE)
        .setSubject(claims.subject)
        .setIssuedAt(issuedAt)
        .setExpirationTime(expiresAt)
        .setJti(jti)
        .sign(privateKey);
      // Recorded before it is handed out, so every token a caller holds can be revoked.
      await store.recordIssued({ jti, subject: claims.subject, expireTime: new Date(expiresAt * 1000) });
      return { token, jti, expiresAt: new Date(expiresAt * 1000), issuer: SERVICE_ACCOUNT_ISSUER };
    },
    revoke(target, actor) {
      return store.revoke(target, { issuer: SERVICE_ACCOUNT_ISSUER, actor, subjectTtlMs: MAX_TOKEN_TTL_SECONDS * 1000 });
    },
  };
}

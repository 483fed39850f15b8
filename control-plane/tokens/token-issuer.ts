// Signs caller tokens for subjects (usually service accounts) with the newest signing key.
import { randomUUID } from "node:crypto";
import { importJWK, SignJWT } from "jose";
import type { Database } from "../storage/database.js";
import {
  loadSigningKeys, SERVICE_ACCOUNT_AUDIENCE, SERVICE_ACCOUNT_ISSUER, SIGNING_ALGORITHM,
} from "./signing-keys.js";

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
  expiresAt: Date;
  issuer: string;
}

/** Signs tokens as the service-account issuer. */
export interface TokenIssuer {
  issue(claims: TokenClaims): Promise<IssuedToken>;
}

/** A token issuer over the signing keys in `db` (ensureSigningKey must have run). */
export function createTokenIssuer(db: Database): TokenIssuer {
  return {
    async issue(claims) {
      const [key] = await loadSigningKeys(db.em());
      if (!key) throw new Error("no signing key in the database");
      const privateKey = await importJWK(key.privateJwk, SIGNING_ALGORITHM);
      const issuedAt = Math.floor(Date.now() / 1000);
      const expiresAt = issuedAt + claims.ttlSeconds;
      const payload: Record<string, unknown> = { groups: claims.groups };
      if (claims.email) payload.email = claims.email;
      const token = await new SignJWT(payload)
        .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: key.kid, typ: "JWT" })
        .setIssuer(SERVICE_ACCOUNT_ISSUER)
        .setAudience(SERVICE_ACCOUNT_AUDIENCE)
        .setSubject(claims.subject)
        .setIssuedAt(issuedAt)
        .setExpirationTime(expiresAt)
        .setJti(randomUUID())
        .sign(privateKey);
      return { token, expiresAt: new Date(expiresAt * 1000), issuer: SERVICE_ACCOUNT_ISSUER };
    },
  };
}

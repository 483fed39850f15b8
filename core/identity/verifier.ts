// Verifies a caller's JWT against the issuers of one snapshot. The issuer is chosen by the token's
// (unverified) `iss`; everything else — signature, issuer, audience, expiry — is checked by jose
// against that issuer's key set. Only asymmetric algorithms are accepted: `none` and HMAC would let
// anyone holding a shared secret (or nothing) mint identities. A verified token is then checked
// against the snapshot's revocations. Verified tokens are remembered briefly (verified-token-cache.ts)
// so a client reusing one token is not charged a signature check per request.
import { decodeJwt, errors, jwtVerify, type JWTPayload } from "jose";
import type { Issuer, TokenRevocation } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { groupsFrom } from "./claims.js";
import { type KeySet, type KeySetCache, KeysUnreachable } from "./key-sets.js";
import { compileRevocations } from "./revocations.js";
import type { VerifiedTokenCache } from "./verified-token-cache.js";

const algorithms = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];
/** How far the agent's and an issuer's clocks may disagree on `exp` and `nbf`. */
export const clockToleranceSeconds = 30;

/** A verified caller. */
export interface CallerIdentity {
  subject: string;
  email: string;
  groups: string[];
  issuer: string;
  /** Every claim of the verified token, for policy conditions (`identity.claims`); never recorded. */
  claims: Readonly<Record<string, unknown>>;
}

/** The outcome of verifying a token; `reason` never contains the token. */
export type Verification =
  | { ok: true; identity: CallerIdentity }
  /** `unreachable`: the issuer's keys could not be fetched, so the token could not be judged (refused all the same). */
  | { ok: false; reason: string; unreachable?: true };

/** Verifies tokens against one snapshot's issuers. */
export interface IdentityVerifier {
  verify(token: string | undefined): Promise<Verification>;
}

interface CompiledIssuer {
  config: Issuer;
  keys: KeySet;
  /** Everything of `config` that verification depends on, as one string (a cache entry must match it). */
  fingerprint: string;
}

/** Why jose refused a token, in words safe to record (jose's own messages never include the token). */
function reasonFor(error: unknown): string {
  if (error instanceof errors.JWTExpired) return "token expired";
  if (error instanceof errors.JWTClaimValidationFailed) return `token claim "${error.claim}" invalid: ${error.reason}`;
  if (error instanceof errors.JOSEAlgNotAllowed) return "token algorithm not allowed";
  if (error instanceof errors.JWSSignatureVerificationFailed) return "token signature invalid";
  if (error instanceof errors.JWKSNoMatchingKey) return "no key of the issuer matches the token";
  if (error instanceof errors.JOSEError) return `token invalid: ${error.code}`;
  return `token could not be verified: ${error instanceof Error ? error.message : String(error)}`;
}

/**
 * Compiles the issuers and revocations of a snapshot; throws (to NACK) when one is unusable.
 * With `cache`, verified tokens are reused while their issuer's configuration and keys are unchanged.
 */
export function compileVerifier(
  issuers: readonly Issuer[],
  keySets: KeySetCache,
  revocations: readonly TokenRevocation[] = [],
  cache?: VerifiedTokenCache,
  /** Issuers (by `iss`) whose tokens are refused, with the reason (settings the agent cannot enforce). */
  refused: ReadonlyMap<string, string> = new Map(),
): IdentityVerifier {
  const revoked = compileRevocations(revocations);
  const byIssuer = new Map<string, CompiledIssuer>();
  for (const config of issuers) {
    if (!config.name) throw new Error("issuer without a name");
    if (!config.issuer) throw new Error(`issuer ${config.name}: empty issuer`);
    if (!config.audience) throw new Error(`issuer ${config.name}: empty audience`);
    if (byIssuer.has(config.issuer)) throw new Error(`issuer ${config.name}: ${config.issuer} is listed twice`);
    const fingerprint = JSON.stringify([config.issuer, config.audience, config.groupsClaim, config.jwksUri, config.jwks]);
    byIssuer.set(config.issuer, { config, keys: keySets.keySetFor(config), fingerprint });
  }

  /** The identity in verified `payload`, unless revoked by this snapshot. */
  const identityOf = (issuer: CompiledIssuer, payload: JWTPayload & { sub: string }): Verification => {
    if (revoked.isRevoked(issuer.config.issuer, payload)) return { ok: false, reason: "token revoked" };
    return {
      ok: true,
      identity: {
        subject: payload.sub,
        email: typeof payload.email === "string" ? payload.email : "",
        groups: groupsFrom(payload, issuer.config.groupsClaim),
        issuer: issuer.config.issuer,
        claims: payload,
      },
    };
  };

  /** The cached verification of `token`, if it still holds under the issuer's current configuration and keys. */
  const cached = (token: string): Verification | undefined => {
    const hit = cache?.get(token);
    if (!hit) return undefined;
    const issuer = byIssuer.get(hit.issuer);
    if (!issuer || issuer.fingerprint !== hit.under.config || issuer.keys.generation() !== hit.under.generation) {
      cache!.delete(token);
      return undefined;
    }
    return identityOf(issuer, hit.claims as JWTPayload & { sub: string });
  };

  return {
    async verify(token) {
      if (!token) return { ok: false, reason: "missing token" };
      const hit = cached(token);
      if (hit) return hit;
      let iss: string | undefined;
      try {
        iss = decodeJwt(token).iss;
      } catch {
        return { ok: false, reason: "malformed token" };
      }
      const issuer = iss === undefined ? undefined : byIssuer.get(iss);
      if (!issuer) return { ok: false, reason: (iss === undefined ? undefined : refused.get(iss)) ?? "unknown token issuer" };
      // Read before verifying: keys refetched meanwhile make the entry stale at once, never wrongly fresh.
      const under = { config: issuer.fingerprint, generation: issuer.keys.generation() };
      try {
        const { payload } = await jwtVerify(token, issuer.keys.getKey, {
          issuer: issuer.config.issuer,
          audience: issuer.config.audience,
          clockTolerance: clockToleranceSeconds,
          algorithms,
          requiredClaims: ["exp"],
        });
        if (typeof payload.sub !== "string" || payload.sub === "") return { ok: false, reason: "token has no subject" };
        // jose checks `iat` only with maxTokenAge; a token issued in the future comes from a clock
        // beyond tolerance (or a forger), and would also dodge revocations by subject.
        if (typeof payload.iat === "number" && payload.iat > Date.now() / 1000 + clockToleranceSeconds) {
          return { ok: false, reason: 'token claim "iat" invalid: in the future' };
        }
        const verified = payload as JWTPayload & { sub: string };
        cache?.set(token, { issuer: issuer.config.issuer, claims: verified, under });
        return identityOf(issuer, verified);
      } catch (error) {
        if (error instanceof KeysUnreachable) return { ok: false, reason: `issuer ${issuer.config.issuer} unreachable: ${error.message}`, unreachable: true };
        return { ok: false, reason: reasonFor(error) };
      }
    },
  };
}

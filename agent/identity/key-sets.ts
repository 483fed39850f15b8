// Key sets per issuer. Inline JWKS are local; otherwise keys come from the issuer's `jwks_uri` or
// from OpenID discovery, fetched and cached by jose. A remote key set outlives snapshots while its
// issuer's configuration is unchanged, so a config push does not throw away fetched keys.
import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import type { Issuer } from "../../gen/palisade/agent/v1/snapshot_pb.js";

const fetchTimeoutMs = 5_000;

/** How remote key sets are refreshed. */
export interface KeySetOptions {
  /**
   * Least time between two JWKS fetches of one issuer; a token with an unknown `kid` triggers a
   * refetch only after it (jose's cooldownDuration), so junk tokens cannot hammer the issuer.
   * Default 30 s.
   */
  cooldownMs?: number;
}

/** Key sets shared across snapshots, keyed by the issuer's key configuration. */
export interface KeySetCache {
  /** The key set for an issuer; throws (with a reason) when its inline JWKS or URL is invalid. */
  keySetFor(issuer: Issuer): JWTVerifyGetKey;
  /** Forgets key sets of issuers no longer in the applied snapshot. */
  retainOnly(issuers: readonly Issuer[]): void;
}

function cacheKey(issuer: Issuer): string {
  return JSON.stringify([issuer.issuer, issuer.jwksUri, issuer.jwks]);
}

function localKeySet(issuer: Issuer): JWTVerifyGetKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(issuer.jwks);
  } catch {
    throw new Error(`issuer ${issuer.name}: inline jwks is not JSON`);
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new Error(`issuer ${issuer.name}: inline jwks has no "keys" array`);
  return createLocalJWKSet(parsed as JSONWebKeySet);
}

function httpUrl(value: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${what} is not a URL: ${value}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error(`${what} must be http(s): ${value}`);
  return url;
}

type RemoteOptions = { timeoutDuration: number; cooldownDuration: number };

const defaultCooldownMs = 30_000;

/**
 * Resolves the jwks_uri through OpenID discovery once. A failure is remembered for the cooldown
 * (tokens meanwhile get the same error) and retried after it, so an unreachable provider is not
 * asked again for every token.
 */
function discoveredKeySet(issuer: Issuer, remoteOptions: RemoteOptions): JWTVerifyGetKey {
  const base = httpUrl(issuer.issuer, `issuer ${issuer.name}: issuer`);
  const discoveryUrl = new URL(`${base.href.replace(/\/$/, "")}/.well-known/openid-configuration`);
  let remote: Promise<JWTVerifyGetKey> | undefined;
  const discover = async (): Promise<JWTVerifyGetKey> => {
    const response = await fetch(discoveryUrl, { signal: AbortSignal.timeout(fetchTimeoutMs) });
    if (!response.ok) throw new Error(`OpenID discovery at ${discoveryUrl} answered ${response.status}`);
    const document = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
    if (document.issuer !== issuer.issuer) throw new Error(`OpenID discovery names issuer ${String(document.issuer)}`);
    if (typeof document.jwks_uri !== "string") throw new Error("OpenID discovery has no jwks_uri");
    return createRemoteJWKSet(httpUrl(document.jwks_uri, "jwks_uri"), remoteOptions);
  };
  return async (header, token) => {
    remote ??= discover().catch((error: unknown) => {
      setTimeout(() => { remote = undefined; }, remoteOptions.cooldownDuration).unref();
      throw error;
    });
    return (await remote)(header, token);
  };
}

function buildKeySet(issuer: Issuer, remoteOptions: RemoteOptions): JWTVerifyGetKey {
  if (issuer.jwks) return localKeySet(issuer);
  if (issuer.jwksUri) {
    return createRemoteJWKSet(httpUrl(issuer.jwksUri, `issuer ${issuer.name}: jwks_uri`), remoteOptions);
  }
  return discoveredKeySet(issuer, remoteOptions);
}

/** Creates an empty cache; one per agent. */
export function createKeySetCache(options: KeySetOptions = {}): KeySetCache {
  const remoteOptions: RemoteOptions = { timeoutDuration: fetchTimeoutMs, cooldownDuration: options.cooldownMs ?? defaultCooldownMs };
  const sets = new Map<string, JWTVerifyGetKey>();
  return {
    keySetFor(issuer) {
      const key = cacheKey(issuer);
      let set = sets.get(key);
      if (!set) {
        set = buildKeySet(issuer, remoteOptions);
        sets.set(key, set);
      }
      return set;
    },
    retainOnly(issuers) {
      const keep = new Set(issuers.map(cacheKey));
      for (const key of sets.keys()) if (!keep.has(key)) sets.delete(key);
    },
  };
}

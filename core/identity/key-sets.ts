// Key sets per issuer. Inline JWKS are local; otherwise keys come from the issuer's `jwks_uri` or
// from OpenID discovery, fetched and cached by jose. A remote key set outlives snapshots while its
// issuer's configuration is unchanged, so a config push does not throw away fetched keys.
import { createLocalJWKSet, createRemoteJWKSet, errors, jwksCache, type ExportedJWKSCache, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
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
  /**
   * Monotonic milliseconds that time a failure's cooldown (default `performance.now`): never the
   * wall clock, which NTP may step back by an hour. Tests inject one.
   */
  monotonicNow?: () => number;
}

/** One issuer's keys. */
export interface KeySet {
  /** Resolves the key for a token's header (jose's key resolver; fetches remote keys when needed). */
  getKey: JWTVerifyGetKey;
  /**
   * A value that changes whenever the keys may have changed (a new object after each JWKS fetch;
   * undefined before the first). Verified-token caches compare it to drop what older keys verified.
   */
  generation(): unknown;
}

/** Key sets shared across snapshots, keyed by the issuer's key configuration. */
export interface KeySetCache {
  /** The key set for an issuer; throws (with a reason) when its inline JWKS or URL is invalid. */
  keySetFor(issuer: Issuer): KeySet;
  /** Forgets key sets of issuers no longer in the applied snapshot. */
  retainOnly(issuers: readonly Issuer[]): void;
}

/**
 * The issuer's keys could not be fetched (its discovery document or JWKS unreachable, timing out,
 * answering an error or no key set): the token is neither valid nor invalid, the agent cannot tell.
 */
export class KeysUnreachable extends Error {}

// What jose says about a key set it holds (the token names no key of it, or is refused by it) is
// about the token; anything else while fetching is about reaching the issuer.
function aboutTheToken(error: unknown): boolean {
  return error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys
    || error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported || error instanceof errors.JWSInvalid;
}

/**
 * `getKey` with every failure to reach the issuer thrown as KeysUnreachable, and remembered for
 * `cooldownMs`: meanwhile tokens are refused at once with the same error instead of each trying
 * again (jose fetches again on every call after a failure), so an identity provider that is down
 * is not asked once per request, and callers do not each wait out the fetch timeout.
 */
function reaching(what: string, getKey: JWTVerifyGetKey, cooldownMs: number, now: () => number): JWTVerifyGetKey {
  // Monotonic time: a wall clock stepped back (NTP correcting one that ran fast) must not stretch
  // the cooldown by the step, refusing every token of the issuer without asking it again.
  let failed: { until: number; error: KeysUnreachable } | undefined;
  return async (header, token) => {
    if (failed && now() < failed.until) throw failed.error;
    try {
      const key = await getKey(header, token);
      failed = undefined;
      return key;
    } catch (error) {
      if (aboutTheToken(error) || error instanceof KeysUnreachable) throw error;
      failed = { until: now() + cooldownMs, error: new KeysUnreachable(`${what} cannot be fetched: ${error instanceof Error ? error.message : String(error)}`) };
      throw failed.error;
    }
  };
}

function cacheKey(issuer: Issuer): string {
  return JSON.stringify([issuer.issuer, issuer.jwksUri, issuer.jwks]);
}

function localKeySet(issuer: Issuer): KeySet {
  let parsed: unknown;
  try {
    parsed = JSON.parse(issuer.jwks);
  } catch {
    throw new Error(`issuer ${issuer.name}: inline jwks is not JSON`);
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new Error(`issuer ${issuer.name}: inline jwks has no "keys" array`);
  return { getKey: createLocalJWKSet(parsed as JSONWebKeySet), generation: () => parsed };
}

/** A remote key set whose every fetch (jose writes it into `store`) is a new generation. */
function remoteKeySet(url: URL, remoteOptions: RemoteOptions, now: () => number): KeySet {
  const store: Partial<ExportedJWKSCache> = {};
  const getKey = reaching(`JWKS ${url.origin}${url.pathname}`, createRemoteJWKSet(url, { ...remoteOptions, [jwksCache]: store as Record<string, never> }), remoteOptions.cooldownDuration, now);
  return { getKey, generation: () => store.jwks };
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
function discoveredKeySet(issuer: Issuer, remoteOptions: RemoteOptions, now: () => number): KeySet {
  const base = httpUrl(issuer.issuer, `issuer ${issuer.name}: issuer`);
  const discoveryUrl = new URL(`${base.href.replace(/\/$/, "")}/.well-known/openid-configuration`);
  let remote: Promise<KeySet> | undefined;
  let resolved: KeySet | undefined;
  const discover = async (): Promise<KeySet> => {
    const response = await fetch(discoveryUrl, { signal: AbortSignal.timeout(fetchTimeoutMs) });
    if (!response.ok) throw new Error(`OpenID discovery at ${discoveryUrl} answered ${response.status}`);
    const document = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
    if (document.issuer !== issuer.issuer) throw new Error(`OpenID discovery names issuer ${String(document.issuer)}`);
    if (typeof document.jwks_uri !== "string") throw new Error("OpenID discovery has no jwks_uri");
    resolved = remoteKeySet(httpUrl(document.jwks_uri, "jwks_uri"), remoteOptions, now);
    return resolved;
  };
  const getKey: JWTVerifyGetKey = async (header, token) => {
    remote ??= discover().catch((error: unknown) => {
      setTimeout(() => { remote = undefined; }, remoteOptions.cooldownDuration).unref();
      const message = error instanceof Error ? error.message : String(error);
      throw new KeysUnreachable(message.startsWith("OpenID discovery") ? message : `OpenID discovery at ${discoveryUrl} failed: ${message}`);
    });
    return (await remote).getKey(header, token);
  };
  return { getKey, generation: () => resolved?.generation() };
}

function buildKeySet(issuer: Issuer, remoteOptions: RemoteOptions, now: () => number): KeySet {
  if (issuer.jwks) return localKeySet(issuer);
  if (issuer.jwksUri) return remoteKeySet(httpUrl(issuer.jwksUri, `issuer ${issuer.name}: jwks_uri`), remoteOptions, now);
  return discoveredKeySet(issuer, remoteOptions, now);
}

/** Creates an empty cache; one per agent. */
export function createKeySetCache(options: KeySetOptions = {}): KeySetCache {
  const remoteOptions: RemoteOptions = { timeoutDuration: fetchTimeoutMs, cooldownDuration: options.cooldownMs ?? defaultCooldownMs };
  const now = options.monotonicNow ?? (() => performance.now());
  const sets = new Map<string, KeySet>();
  return {
    keySetFor(issuer) {
      const key = cacheKey(issuer);
      let set = sets.get(key);
      if (!set) {
        set = buildKeySet(issuer, remoteOptions, now);
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

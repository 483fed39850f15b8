// Verified caller tokens, remembered by their exact string so that an SDK sending the same token on
// every request pays for one signature check (ES256/RS256 through WebCrypto, the agent's top cost
// per request) per TTL rather than per request. An entry is only as good as what verified it: it
// is used only while the issuer's configuration (issuer, audience, groups claim, key source) and
// its key set's generation (a new one after every JWKS fetch, so rotation and key removal take
// effect as soon as the agent sees them) are the ones it was verified under, never past the
// token's `exp`, and for at most `ttlMs`. Revocations are not cached: the verifier checks the
// current snapshot's on every request, hit or miss.
import type { JWTPayload } from "jose";

/** What a cache entry was verified under; a hit needs the same. */
export interface VerifiedUnder {
  /** The issuer's configuration as one comparable string. */
  config: string;
  /** The key set's generation when verification began (see KeySet.generation). */
  generation: unknown;
}

/** A token that passed verification, and the claims it carried. */
export interface VerifiedToken {
  issuer: string;
  claims: JWTPayload;
  under: VerifiedUnder;
}

/** A bounded cache of verified tokens. */
export interface VerifiedTokenCache {
  /** The entry for `token`, or undefined when absent or expired. The caller still checks `under`. */
  get(token: string): VerifiedToken | undefined;
  /** Remembers a verified token until min(now + ttl, exp). */
  set(token: string, verified: VerifiedToken): void;
  /** Forgets one token (its entry no longer matches what it was verified under). */
  delete(token: string): void;
  readonly size: number;
}

/** Settings of {@link createVerifiedTokenCache}. */
export interface VerifiedTokenCacheOptions {
  /** Longest time an entry is used; default 30 s; 0 disables the cache. */
  ttlMs?: number;
  /** Most tokens held; the least recently used go first beyond it. Default 10,000. */
  maxEntries?: number;
  /** Clock, for tests. */
  now?: () => number;
}

interface Entry {
  verified: VerifiedToken;
  expiresAtMs: number;
}

/** Creates an empty cache; one per agent, kept across snapshots. */
export function createVerifiedTokenCache(options: VerifiedTokenCacheOptions = {}): VerifiedTokenCache {
  const ttlMs = options.ttlMs ?? 30_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  // A Map iterates in insertion order: re-inserting on a hit keeps the least recently used first.
  const entries = new Map<string, Entry>();
  return {
    get(token) {
      const entry = entries.get(token);
      if (!entry) return undefined;
      entries.delete(token);
      if (now() >= entry.expiresAtMs) return undefined;
      entries.set(token, entry);
      return entry.verified;
    },
    set(token, verified) {
      if (ttlMs <= 0 || maxEntries <= 0) return;
      // Tokens are verified with a clock tolerance; the cache never stretches `exp` by it.
      const expMs = typeof verified.claims.exp === "number" ? verified.claims.exp * 1000 : 0;
      const expiresAtMs = Math.min(now() + ttlMs, expMs);
      if (expiresAtMs <= now()) return;
      entries.delete(token);
      entries.set(token, { verified, expiresAtMs });
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    },
    delete(token) {
      entries.delete(token);
    },
    // biome-ignore lint/plugin: made once per process (or per connection), not per request
    get size() {
      return entries.size;
    },
  };
}

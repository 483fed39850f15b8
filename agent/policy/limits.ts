// Per-identity limits, counted in this agent's memory (limits are per agent for now: N agents
// serving one connection let an identity through up to N times the limit). The workers of one
// `--workers` agent share the primary's counters (agent/cluster/shared-limits.ts).
//
// Windows are fixed and start with the identity's first counted request (or first recorded usage)
// under the policy: requests per minute count admissions in [start, start + 60 s); tokens per hour
// reserve each admitted request's estimate (its prompt and max_tokens) and settle it to the usage
// the provider reported once the response ends, in [start, start + 1 h). A request is refused while
// a window is full (requests) or its total, reservations of requests in flight included, has
// already reached the limit (tokens: the request that crosses the limit is let through, since its
// size is only known afterwards; requests sent all at once are not, as each reserved its share).
// Retry-After is the time until the full window ends. A fixed window can admit up to twice the
// limit across a window boundary; it needs two numbers per identity instead of a timestamp per request.
//
// Memory is bounded: entries are kept in least-recently-used order, idle ones (untouched for
// longer than the longest window) are dropped as the map is used, and beyond `maxEntries` the least
// recently used entry is dropped (which forgets that identity's counts).
import type { CompiledPolicy } from "./compile-policies.js";

/** What the counters read of a policy: its name and its limits. */
export type LimitedPolicy = Pick<CompiledPolicy, "name" | "limits">;

const minuteMs = 60_000;
const hourMs = 3_600_000;

/** Who a limit is counted for. */
export interface LimitIdentity {
  subject: string;
  issuer: string;
}

/** Which limit refused: one of a policy's two, or none could be counted (the counter store is down and onStoreDown is deny). */
export type LimitKind = "requests per minute" | "tokens per hour" | "counter store";

/** Admission under the limits: either admitted (with a way to charge tokens later) or refused by one policy. */
export type LimitAdmission<P extends LimitedPolicy = CompiledPolicy> =
  | { ok: true; chargeTokens(tokens: number, now: number): void }
  | { ok: false; policy: P; limit: LimitKind; retryAfterSeconds: number; detail?: string };

/** What a request is expected to cost, for limits that reserve before the provider answers. */
export interface LimitRequest {
  /** Estimated tokens: the prompt's estimate plus max_tokens (docs/limits.md). */
  tokens: number;
}

/** Where the request path asks for admission: the counters in this process, shared ones (`--workers`), or the counter store. */
export interface LimitGate {
  /** Checks every policy's limits for `identity`; when all have room, counts the request in each. */
  admit<P extends LimitedPolicy>(policies: readonly P[], identity: LimitIdentity, now: number, request?: LimitRequest): LimitAdmission<P> | Promise<LimitAdmission<P>>;
}

/** What an admission reserved in the token windows: settled against when its usage is known. */
export interface TokenReservation {
  tokens: number;
  /** When it was reserved (the admission's time). */
  at: number;
}

/** The limit counters of one process. */
export interface LimitTracker extends LimitGate {
  /** As LimitGate's; with `request`, its tokens are reserved in the token windows until settled. */
  admit<P extends LimitedPolicy>(policies: readonly P[], identity: LimitIdentity, now: number, request?: LimitRequest): LimitAdmission<P>;
  /**
   * Settles the token windows of `policies` for `identity` to `tokens` (what an admission's
   * chargeTokens does): the reservation, when still in the window it was made in, becomes `tokens`;
   * otherwise `tokens` is added to the window open at `now`.
   */
  charge(policies: readonly LimitedPolicy[], identity: LimitIdentity, tokens: number, now: number, reserved?: TokenReservation): void;
  /** Entries held (for tests and metrics). */
  readonly size: number;
}

interface Window {
  start: number;
  amount: number;
}

interface Entry {
  requests?: Window;
  tokens?: Window;
  touched: number;
}

// A window that starts more than this after `now` was opened before the wall clock was stepped
// back: it is over (a new one opens), as a forward step ends one early. Kept open otherwise, it would
// refuse a caller at its limit for as long as the step (an hour back: an hour of 429s). Requests
// admitted a little out of order (their `now` read before another's, the other admitted first)
// stay well inside this.
const clockStepMs = 5_000;

function open(window: Window | undefined, now: number, length: number): window is Window {
  return window !== undefined && now < window.start + length && now > window.start - clockStepMs;
}

function secondsUntil(end: number, now: number): number {
  return Math.max(1, Math.ceil((end - now) / 1000));
}

const admitted = { ok: true as const, chargeTokens: () => {} };

/** Creates an empty tracker holding at most `maxEntries` (policy, identity) entries. */
export function createLimitTracker(options: { maxEntries?: number } = {}): LimitTracker {
  const maxEntries = options.maxEntries ?? 100_000;
  const entries = new Map<string, Entry>();

  const keyOf = (policy: string, identity: LimitIdentity) => `${policy}\u0000${identity.issuer}\u0000${identity.subject}`;

  /** The entry for `key`, moved to the most recently used end; created when absent. */
  function touch(key: string, now: number): Entry {
    const entry = entries.get(key) ?? { touched: now };
    entries.delete(key);
    entry.touched = now;
    entries.set(key, entry);
    return entry;
  }

  function evict(now: number): void {
    for (const [key, entry] of entries) {
      if (entries.size <= maxEntries && entry.touched + hourMs > now) break; // the rest were used more recently
      entries.delete(key);
    }
  }

  function charge(keys: readonly string[], tokens: number, at: number, reserved?: TokenReservation): void {
    const actual = Math.max(tokens || 0, 0); // NaN: 0
    const held = reserved && reserved.tokens > 0 ? reserved : undefined;
    if (actual === 0 && !held) return;
    for (const key of keys) {
      const entry = touch(key, at);
      if (held && open(entry.tokens, at, hourMs) && entry.tokens.start <= held.at) {
        // The reservation is in this window: it becomes what the request cost.
        entry.tokens.amount = Math.max(0, entry.tokens.amount - held.tokens + actual);
        continue;
      }
      if (actual === 0) continue;
      if (!open(entry.tokens, at, hourMs)) entry.tokens = { start: at, amount: 0 };
      entry.tokens.amount += actual;
    }
    evict(at);
  }

  const tokenKeys = (policies: readonly LimitedPolicy[], identity: LimitIdentity) =>
    policies.filter((policy) => (policy.limits?.tokensPerHour ?? 0) > 0).map((policy) => keyOf(policy.name, identity));

  return {
    charge(policies, identity, tokens, now, reserved) {
      charge(tokenKeys(policies, identity), tokens, now, reserved);
    },
    admit(policies, identity, now, request) {
      const limited = policies.filter((policy) => policy.limits);
      if (limited.length === 0) return admitted;
      for (const policy of limited) {
        const { requestsPerMinute, tokensPerHour } = policy.limits!;
        const entry = entries.get(keyOf(policy.name, identity));
        if (requestsPerMinute > 0 && open(entry?.requests, now, minuteMs) && entry.requests.amount >= requestsPerMinute) {
          return { ok: false, policy, limit: "requests per minute", retryAfterSeconds: secondsUntil(entry.requests.start + minuteMs, now) };
        }
        if (tokensPerHour > 0 && open(entry?.tokens, now, hourMs) && entry.tokens.amount >= tokensPerHour) {
          return { ok: false, policy, limit: "tokens per hour", retryAfterSeconds: secondsUntil(entry.tokens.start + hourMs, now) };
        }
      }
      for (const policy of limited) {
        if (policy.limits!.requestsPerMinute === 0) continue;
        const entry = touch(keyOf(policy.name, identity), now);
        if (!open(entry.requests, now, minuteMs)) entry.requests = { start: now, amount: 0 };
        entry.requests.amount++;
      }
      evict(now);
      const charged = tokenKeys(limited, identity);
      if (charged.length === 0) return admitted;
      // Requests in flight count: a burst sent at once cannot all pass before the first is charged.
      const reserved = { tokens: Math.max(0, Math.ceil(request?.tokens ?? 0)), at: now };
      charge(charged, reserved.tokens, now);
      return { ok: true, chargeTokens: (tokens, at) => charge(charged, tokens, at, reserved) };
    },
    // biome-ignore lint/plugin: made once per process (or per connection), not per request
    get size() {
      return entries.size;
    },
  };
}

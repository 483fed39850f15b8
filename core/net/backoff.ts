// Reconnect delays: exponential with FULL jitter (a uniformly random delay between 0 and the
// exponential ceiling), so that after a control-plane restart its agents come back spread out
// instead of all at the same instant. Reset once a stream has stayed up for a stable period.

/** Backoff settings. */
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  /** A stream that lived at least this long resets the attempt count. */
  stableMs: number;
  random?: () => number;
}

/** The default for the agent's control stream: 250 ms base, 30 s cap, reset after 60 s up. */
export const defaultBackoff: BackoffOptions = { baseMs: 250, capMs: 30_000, stableMs: 60_000 };

/** Stateful backoff: `next()` gives the delay before the next attempt. */
export interface Backoff {
  next(): number;
  /** Reports how long the last stream lived; a stable one resets the sequence. */
  streamEnded(livedMs: number): void;
  readonly attempt: number;
}

/** The ceiling for attempt `n` (0-based): min(cap, base · 2ⁿ). */
export function backoffCeiling(options: BackoffOptions, attempt: number): number {
  return Math.min(options.capMs, options.baseMs * 2 ** Math.min(attempt, 30));
}

/** Creates a backoff starting at attempt 0. */
export function createBackoff(options: BackoffOptions = defaultBackoff): Backoff {
  const random = options.random ?? Math.random;
  let attempt = 0;
  return {
    next() {
      const delay = Math.floor(random() * backoffCeiling(options, attempt));
      attempt++;
      return delay;
    },
    streamEnded(livedMs) {
      if (livedMs >= options.stableMs) attempt = 0;
    },
    // biome-ignore lint/plugin: made once per process (or per connection), not per request
    get attempt() {
      return attempt;
    },
  };
}

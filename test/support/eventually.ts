// The one way tests wait for what happens asynchronously: poll a probe until it answers, bounded by
// a deadline that names what never came. No test sleeps for a duration and hopes.

/** What a probe answers while the condition does not hold yet. */
type NotYet = undefined | null | false;

/**
 * Calls `probe` until it returns something other than undefined, null or false, and resolves with
 * that; fails after `timeoutMs` naming `what`. Polls quickly at first (10 ms), then backs off to
 * 100 ms so that expensive probes (a CLI run, a query) do not load the machine.
 */
export async function eventually<T>(what: string, probe: () => Promise<T | NotYet> | T | NotYet, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let pause = 10; ; pause = Math.min(100, pause * 1.5)) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

/** Resolves with `promise`, or fails after `timeoutMs` naming what did not arrive. */
export async function within<T>(what: string, promise: Promise<T>, timeoutMs = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

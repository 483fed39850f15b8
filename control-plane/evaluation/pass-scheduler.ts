// Runs passes of an evaluation: every `intervalMs`, and soon after a poke (new exchanges
// committed), at most one pass per `minGapMs`, never two at once in this process. Shared by the
// alert-rule and budget evaluators.
import type { ExchangeSink } from "../stream/ports.js";

/** How to schedule. */
export interface PassSchedule {
  /** Time between passes. */
  intervalMs: number;
  /** Least time between two passes started by pokes. */
  minGapMs: number;
  /** One pass; it handles its own errors (a rejection is ignored). */
  pass(): Promise<void>;
}

/** A running schedule. */
export interface PassScheduler {
  /** Asks for a pass soon. */
  poke(): void;
  /** Stops scheduling and waits for a pass in flight. */
  close(): Promise<void>;
}

/** Starts the schedule. */
export function startPassScheduler(schedule: PassSchedule): PassScheduler {
  let running: Promise<void> | undefined;
  let lastStart = 0;
  let pending: NodeJS.Timeout | undefined;
  let closed = false;

  const run = () => {
    if (closed) return;
    if (running) {
      // One more pass after this one: it will see what arrived meanwhile.
      later(schedule.minGapMs);
      return;
    }
    lastStart = Date.now();
    running = schedule.pass().catch(() => {}).finally(() => { running = undefined; });
  };

  function later(delayMs: number) {
    if (pending || closed) return;
    pending = setTimeout(() => {
      pending = undefined;
      run();
    }, delayMs);
    pending.unref();
  }

  const timer = setInterval(run, schedule.intervalMs);
  timer.unref();
  return {
    poke: () => later(Math.max(0, lastStart + schedule.minGapMs - Date.now())),
    async close() {
      closed = true;
      clearInterval(timer);
      if (pending) clearTimeout(pending);
      await running;
    },
  };
}

/** `sink` that pokes `scheduler` after each commit that stored something new. */
export function pokeAfterCommit(sink: ExchangeSink, scheduler: PassScheduler): ExchangeSink {
  return {
    async commit(agent, exchanges) {
      const ids = await sink.commit(agent, exchanges);
      if (ids.length > 0) scheduler.poke();
      return ids;
    },
  };
}

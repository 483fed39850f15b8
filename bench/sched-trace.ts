// Reading a scheduler trace (`perf sched record`, printed by `perf sched script`) for the question
// the one-connection tail asks: when one thread (the agent's main thread) was woken, how long did
// it wait before it ran, and who held the CPUs meanwhile? And, per thread of the parties named
// (agent, control plane, PostgreSQL, the bench's load generator and provider), how often it was
// woken, how much CPU it used and how long its runs were: what competes with the request's chain
// for two cores. bench/sched-waits.ts records and prints it; the parsing is here so that a test
// can feed it a known excerpt.

/** One scheduler event of `perf sched script`: a switch on a CPU, or a thread being woken. */
export type SchedEvent =
  | { kind: "switch"; cpu: number; time: number; prevTid: number; prevState: string; nextTid: number; nextComm: string }
  | { kind: "wake"; cpu: number; time: number; tid: number };

const switchLine = /\[(\d+)\]\s+([\d.]+):\s+sched:sched_switch:\s+prev_comm=.*? prev_pid=(\d+) .*?prev_state=(\S+) ==> next_comm=(.*?) next_pid=(\d+)/;
// `perf sched record` traces sched_waking (the wake-up's start); older kernels only sched_wakeup.
const wakeLine = /\[(\d+)\]\s+([\d.]+):\s+sched:sched_wak(?:ing|eup):\s+comm=.*? pid=(\d+)/;

/** The switch and wake events of `perf sched script`'s output, in order; other lines are skipped. */
export function parseSched(text: string): SchedEvent[] {
  const events: SchedEvent[] = [];
  for (const line of text.split("\n")) {
    const s = switchLine.exec(line);
    if (s) {
      events.push({ kind: "switch", cpu: Number(s[1]), time: Number(s[2]), prevTid: Number(s[3]), prevState: s[4]!, nextComm: s[5]!, nextTid: Number(s[6]) });
      continue;
    }
    const w = wakeLine.exec(line);
    if (w) events.push({ kind: "wake", cpu: Number(w[1]), time: Number(w[2]), tid: Number(w[3]) });
  }
  return events;
}

/** What the watched thread waited for: each wake-up to its next run, and who ran meanwhile. */
export interface Waits {
  /** Wake-up → run delays in seconds, longest first. */
  delays: number[];
  /** Seconds each label held a CPU during the delays longer than `threshold` ("idle": nobody). */
  heldDuringLong: Map<string, number>;
  /** Seconds each label held a CPU during all delays. */
  heldDuringAll: Map<string, number>;
}

/** Per label: wake-ups, CPU time and runs (seconds each) over the trace. */
export interface Activity {
  wakeups: number;
  cpu: number;
  runs: number[];
}

/** A thread's label: its party and name where `labels` knows the thread, else `other:COMM` (idle for the idle task). */
export type Labeller = (tid: number, comm: string) => string;

/** Labels from a map of thread id → label; threads not in it are `other:` their comm without digits. */
export function labeller(labels: ReadonlyMap<number, string>): Labeller {
  return (tid, comm) => (tid === 0 ? "idle" : (labels.get(tid) ?? `other:${comm.replace(/[\d/:-]+$/, "")}`));
}

const add = (map: Map<string, number>, key: string, value: number) => map.set(key, (map.get(key) ?? 0) + value);

/**
 * Walks the events once. For `watched`: from each wake-up (while it was not already waiting or
 * running), or each time it was preempted, to the switch that runs it again, the delay and, on
 * every CPU, who ran during it (a run is credited with its part inside the wait only). For every label: its
 * wake-ups, CPU time and runs (a run: from a switch to the thread to the next switch on that CPU).
 */
export function analyse(events: readonly SchedEvent[], watched: number, label: Labeller, threshold = 0.0005): { waits: Waits; activity: Map<string, Activity>; seconds: number } {
  const running = new Map<number, { tid: number; comm: string; since: number }>();
  const activity = new Map<string, Activity>();
  const of = (name: string) => {
    let entry = activity.get(name);
    if (!entry) activity.set(name, (entry = { wakeups: 0, cpu: 0, runs: [] }));
    return entry;
  };
  const comms = new Map<number, string>();
  const waits: Waits = { delays: [], heldDuringLong: new Map(), heldDuringAll: new Map() };
  let wokenAt: number | undefined;
  let held = new Map<string, number>();
  // The part of a CPU's current run that fell inside the watched thread's wait.
  const creditWait = (at: number, current: { tid: number; comm: string; since: number }) => {
    if (wokenAt === undefined) return;
    add(held, label(current.tid, current.comm), at - Math.max(current.since, wokenAt));
  };
  for (const event of events) {
    if (event.kind === "wake") {
      of(label(event.tid, comms.get(event.tid) ?? "")).wakeups++;
      if (event.tid === watched && wokenAt === undefined && ![...running.values()].some((r) => r.tid === watched)) {
        wokenAt = event.time;
        held = new Map();
      }
      continue;
    }
    comms.set(event.nextTid, event.nextComm);
    const previous = running.get(event.cpu);
    if (previous) {
      const name = label(previous.tid, previous.comm);
      const ran = event.time - previous.since;
      if (previous.tid !== 0) {
        const entry = of(name);
        entry.cpu += ran;
        entry.runs.push(ran);
      }
      creditWait(event.time, previous);
    }
    // Preempted (switched out still runnable): it waits for a CPU from now, without a wake-up.
    if (event.prevTid === watched && event.prevState.startsWith("R") && wokenAt === undefined) {
      wokenAt = event.time;
      held = new Map();
    }
    const next = { tid: event.nextTid, comm: event.nextComm, since: event.time };
    running.set(event.cpu, next);
    if (event.nextTid === watched && wokenAt !== undefined) {
      // The other CPUs' runs up to now count too; from here they are credited from this moment on.
      for (const [cpu, current] of running) {
        if (cpu === event.cpu) continue;
        creditWait(event.time, current);
      }
      const delay = event.time - wokenAt;
      waits.delays.push(delay);
      for (const [name, seconds] of held) {
        add(waits.heldDuringAll, name, seconds);
        if (delay > threshold) add(waits.heldDuringLong, name, seconds);
      }
      wokenAt = undefined;
    }
  }
  waits.delays.sort((a, b) => b - a);
  const first = events[0]?.time ?? 0;
  const last = events.at(-1)?.time ?? 0;
  return { waits, activity, seconds: last - first };
}

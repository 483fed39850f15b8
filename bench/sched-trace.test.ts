import { describe, expect, it } from "vitest";
import { analyse, labeller, parseSched } from "./sched-trace.js";

// An excerpt in `perf sched script`'s format: two CPUs; the agent's main thread (100) is woken on
// CPU 0 at 10.000100 while PostgreSQL (300) runs there and the load generator (200) on CPU 1; 200
// sleeps at 10.000400, the agent runs on CPU 1 from then (a 300 µs wait: 300 µs of postgres on
// CPU 0, 300 µs of the bench on CPU 1). Later it is preempted by a stranger (900) and waits 2 ms.
const trace = `
        postgres   300 [000] 10.000000:       sched:sched_switch: prev_comm=swapper/0 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=postgres next_pid=300 next_prio=120
            node   200 [001] 10.000000:       sched:sched_switch: prev_comm=swapper/1 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=node next_pid=200 next_prio=120
            node   200 [001] 10.000100:       sched:sched_waking: comm=MainThread pid=100 prio=120 target_cpu=000
            node   200 [001] 10.000400:       sched:sched_switch: prev_comm=node prev_pid=200 prev_prio=120 prev_state=S ==> next_comm=MainThread next_pid=100 next_prio=120
      MainThread   100 [001] 10.000500:       sched:sched_switch: prev_comm=MainThread prev_pid=100 prev_prio=120 prev_state=R+ ==> next_comm=tsc next_pid=900 next_prio=120
             tsc   900 [001] 10.002500:       sched:sched_switch: prev_comm=tsc prev_pid=900 prev_prio=120 prev_state=R ==> next_comm=MainThread next_pid=100 next_prio=120
        postgres   300 [000] 10.003000:       sched:sched_switch: prev_comm=postgres prev_pid=300 prev_prio=120 prev_state=S ==> next_comm=swapper/0 next_pid=0 next_prio=120
`;

describe("scheduler trace", () => {
  const events = parseSched(trace);
  const label = labeller(new Map([[100, "agent/MainThread"], [200, "bench/node"], [300, "postgres/postgres"]]));

  it("reads switches and wake-ups and skips other lines", () => {
    expect(events.map((e) => e.kind)).toEqual(["switch", "switch", "wake", "switch", "switch", "switch", "switch"]);
    expect(events[3]).toEqual({ kind: "switch", cpu: 1, time: 10.0004, prevTid: 200, prevState: "S", nextTid: 100, nextComm: "MainThread" });
  });

  it("measures each wait of the watched thread and who ran on every CPU meanwhile", () => {
    const { waits, activity } = analyse(events, 100, label, 0.0005);
    expect(waits.delays.map((d) => Math.round(d * 1e6))).toEqual([2000, 300]);
    const all = Object.fromEntries([...waits.heldDuringAll].map(([k, v]) => [k, Math.round(v * 1e6)]));
    // First wait: postgres 300 µs (CPU 0) and the bench 300 µs (CPU 1); the preemption: tsc 2000 µs and postgres 2000 µs.
    expect(all).toEqual({ "postgres/postgres": 2300, "bench/node": 300, "other:tsc": 2000 });
    const long = Object.fromEntries([...waits.heldDuringLong].map(([k, v]) => [k, Math.round(v * 1e6)]));
    expect(long).toEqual({ "postgres/postgres": 2000, "other:tsc": 2000 });
    expect(activity.get("agent/MainThread")?.wakeups).toBe(1);
    expect(Math.round((activity.get("postgres/postgres")?.cpu ?? 0) * 1e6)).toBe(3000);
    expect(activity.get("agent/MainThread")?.runs.map((r) => Math.round(r * 1e6))).toEqual([100]);
  });
});

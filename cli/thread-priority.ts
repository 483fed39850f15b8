// A thread's CPU priority, lowered: `palisade up` runs its control plane and embedded database in
// a worker thread (up-control-plane-thread.ts) at a lower priority than the agent's, so that on a
// machine with few cores the audit ingest waits for a core rather than the caller's request (the
// agent holds the records until they are acknowledged, so ingest only lags). Linux gives each
// thread its own nice value: setpriority(PRIO_PROCESS, tid) with the thread's id changes that
// thread alone (os.setPriority passes the id through).
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";

/** The calling thread's kernel id (Linux), or undefined where /proc/thread-self is not there. */
export function threadId(): number | undefined {
  try {
    const id = Number(readlinkSync("/proc/thread-self").split("/").pop());
    return Number.isInteger(id) && id > 0 ? id : undefined;
  } catch {
    return undefined;
  }
}

/** Sets the calling thread's nice value (0–19: higher is lower priority); false where that cannot be done (not Linux, no permission). */
export function lowerThreadPriority(niceness: number): boolean {
  const id = threadId();
  if (id === undefined || niceness <= 0) return false;
  try {
    setPriority(id, Math.min(19, niceness));
    return true;
  } catch {
    return false;
  }
}

// The agent's instance name (Hello.instance): which running process of an agent this is, among
// all that share its enrolment token (docs/agent.md "Instances").
import { hostname } from "node:os";

let started = 0;

/**
 * `<hostname>/<pid>`: readable (the pod name in Kubernetes), unique among the processes of a host
 * (each `--workers` worker has its own pid), and the same across the process's reconnects, so a
 * reconnect takes over its own row instead of adding one. A second agent started in the same
 * process (tests, embedding) gets `<hostname>/<pid>-2`, and so on.
 */
export function defaultInstanceName(): string {
  started++;
  const base = `${hostname()}/${process.pid}`;
  return started === 1 ? base : `${base}-${started}`;
}

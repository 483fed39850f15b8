// What the benchmarks that run Palisade as processes share: a free port, waiting for a server to
// answer, spawning `palisade …` (optionally under `--cpu-prof`), and reading a process's CPU time
// from /proc, the load-independent figure on a machine whose other cores are busy.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readdir, readFile } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";

/** A free TCP port on 127.0.0.1 (closed again; the caller binds it next). */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls `probe` every 20 ms until it answers true; throws `timed out waiting for WHAT` after `timeoutMs`. */
export async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A `palisade` process; `stop` sends SIGTERM (graceful: it drains and writes its CPU profile) and waits for the exit. */
export interface BenchProcess {
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Runs `palisade ARGS` (through cli/bin.js, as `npx palisade` does, or through `entry`, another
 * script such as a compiled build's cli/main.js) with `env` added; stderr goes to the bench's.
 * With `PALISADE_BENCH_CPU_PROF=DIR`, processes whose `profiled` is true run under `--cpu-prof`
 * into DIR.
 */
export function spawnPalisade(args: string[], env: Record<string, string> = {}, profiled = false, entry?: string): BenchProcess {
  const dir = process.env.PALISADE_BENCH_CPU_PROF;
  const flags = dir && profiled ? ["--cpu-prof", `--cpu-prof-dir=${dir}`] : [];
  // Node/V8 options for the agent only (e.g. to compare GC settings): PALISADE_BENCH_AGENT_FLAGS="--flag …".
  if (profiled) flags.push(...(process.env.PALISADE_BENCH_AGENT_FLAGS ?? "").split(" ").filter(Boolean));
  const bin = entry ?? join(import.meta.dirname, "..", "cli", "bin.js");
  const child = spawn(process.execPath, [...flags, bin, ...args], { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, ...env } });
  const exited = once(child, "exit");
  return {
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

async function ownCpuMs(pid: number): Promise<number> {
  // The time each thread has spent on a CPU, in ns (the first field of schedstat; the kernel keeps
  // it exactly, where stat(5)'s utime and stime count 10-ms ticks): summed over the live threads.
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const runs = await Promise.all(tasks.map((task) => readFile(`/proc/${pid}/task/${task}/schedstat`, "utf8").catch(() => "")));
  if (runs.some(Boolean)) return runs.reduce((sum, line) => sum + (Number(line.split(" ")[0]) || 0), 0) / 1e6;
  const fields = (await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1]!.split(" ");
  // utime and stime, fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux): all threads.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function childrenOf(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const lists = await Promise.all(tasks.map((task) => readFile(`/proc/${pid}/task/${task}/children`, "utf8").catch(() => "")));
  return lists.flatMap((list) => list.split(" ").filter(Boolean).map(Number));
}

/**
 * CPU time in ms of process `pid` and its live descendants (all live threads; a multi-process
 * agent counts whole): from each thread's schedstat (ns), or stat(5)'s 10-ms ticks where the kernel
 * has no schedstat. A thread that exits during a window takes its time with it: the processes
 * measured keep their threads (Node's platform and libuv pool).
 */
export async function cpuTimeMs(pid: number): Promise<number> {
  const [own, children] = await Promise.all([ownCpuMs(pid), childrenOf(pid)]);
  const below = await Promise.all(children.map((child) => cpuTimeMs(child).catch(() => 0)));
  return below.reduce((sum, ms) => sum + ms, own);
}

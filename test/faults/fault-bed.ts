// Fault-survival set-up: the control plane and the agent each in a process of its own (`palisade
// control-plane`, `palisade agent`, as deployed), so a test can kill -9 one, restart it on the
// same port and database, or SIGTERM it; a stand-in provider; and a steady load generator that
// keeps what every request ended with, to check afterwards that each one either succeeded or got
// a clear error, and that each succeeded one is stored exactly once.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { startControlPlane, type ControlPlane } from "../../control-plane/control-plane.js";
import { eventually, within } from "../support/eventually.js";
import { adminEnv, palisade, STACK_ADMIN_TOKEN, STACK_SECRET_KEY, standInResources } from "../support/control-plane-bed.js";
import { testDatabase, type TestDatabase } from "../support/database.js";
import { startStandInProvider, type StandInProvider } from "../support/stand-in-provider.js";

const ROOT = join(import.meta.dirname, "..", "..");

/** A palisade process. */
export interface PalisadeProcess {
  child: ChildProcess;
  /** What it wrote to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/** A free TCP port on 127.0.0.1 (closed again; the caller binds it next). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const spawned = new Set<PalisadeProcess>();

/** SIGKILLs every process the bed started that is still running (for afterAll). */
export async function killAll(): Promise<void> {
  for (const process of spawned) await stopProcess(process, "SIGKILL");
}

/** Runs `palisade ARGS` as a process (Node with tsx's loader: signals reach the CLI directly). */
export function spawnPalisade(args: string[], extraEnv: Record<string, string>): PalisadeProcess {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith("PALISADE_") && key !== "DATABASE_URL") env[key] = value;
  }
  const child = spawn(process.execPath, ["--import", "tsx", "cli/main.ts", ...args], {
    cwd: ROOT,
    env: { ...env, PALISADE_LOG_LEVEL: "warn", ...extraEnv },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const started: PalisadeProcess = { child, stderr: () => stderr, exited };
  spawned.add(started);
  void exited.then(() => spawned.delete(started));
  return started;
}

/** Waits until `process` wrote `text` to stderr; fails early if it exits. */
export async function untilLogged(process: PalisadeProcess, text: string, what: string, timeoutMs = 30_000): Promise<true> {
  try {
    return await eventually(what, async () => {
      if (process.child.exitCode !== null) throw new Error(`process exited ${process.child.exitCode}`);
      return process.stderr().includes(text) ? true : undefined;
    }, timeoutMs);
  } catch (error) {
    throw new Error(`${(error as Error).message} (waiting for ${what}); its stderr:\n${process.stderr()}`);
  }
}

/** Starts `palisade control-plane` on `port` over PostgreSQL `databaseUrl` and waits for it to listen. */
export async function startControlPlaneProcess(port: number, databaseUrl: string): Promise<PalisadeProcess> {
  const process = spawnPalisade(["control-plane", "--listen", `127.0.0.1:${port}`], {
    DATABASE_URL: databaseUrl,
    PALISADE_ADMIN_TOKEN: STACK_ADMIN_TOKEN,
    PALISADE_SECRET_KEY: STACK_SECRET_KEY,
  });
  await untilLogged(process, "control plane listening", "the control plane to listen", 90_000);
  return process;
}

/** Starts `palisade agent` on `port` and waits for it to listen (not for its first snapshot). */
export async function startAgentProcess(port: number, server: string, token: string, extraArgs: string[] = []): Promise<PalisadeProcess> {
  const process = spawnPalisade(["agent", "--server", server, "--token", token, "--agent-listen", `127.0.0.1:${port}`, ...extraArgs], {});
  await untilLogged(process, "agent listening", "the agent to listen", 90_000);
  return process;
}

/** Stops a process: SIGKILL unless another signal is given; resolves with its exit code. */
export async function stopProcess(process: PalisadeProcess | undefined, signal: NodeJS.Signals = "SIGKILL"): Promise<number | null> {
  if (!process || process.child.exitCode !== null || process.child.signalCode !== null) return process?.child.exitCode ?? null;
  process.child.kill(signal);
  return within(`the process to exit after ${signal}`, process.exited, 30_000);
}

/** Applies connection `standin` → `provider` and an allow-all policy; returns a caller token. */
export async function configure(env: Record<string, string>, provider: StandInProvider): Promise<string> {
  await palisade(env, ["apply", "-f", "-"], standInResources(provider.url));
  return (await palisade(env, ["token", "create", "--subject", "steady@example.com"])).trim();
}

/** A control plane in the test's process, a stand-in provider, connection `standin` and a caller token. */
export interface InProcessBed {
  controlPlane: ControlPlane;
  provider: StandInProvider;
  /** Admin CLI environment. */
  env: Record<string, string>;
  token: string;
  /** Kills the bed's processes, closes the control plane (bounded: a hang is a failure) and the provider. */
  close(): Promise<void>;
}

/** Starts an {@link InProcessBed} over PostgreSQL `databaseUrl` (PGlite when undefined). */
export async function startInProcessBed(databaseUrl: string | undefined): Promise<InProcessBed> {
  const controlPlane = await startControlPlane({ listen: "127.0.0.1:0", databaseUrl, adminToken: STACK_ADMIN_TOKEN, secretKey: STACK_SECRET_KEY });
  const provider = await startStandInProvider();
  const env = adminEnv(controlPlane.url);
  const token = await configure(env, provider);
  return {
    controlPlane,
    provider,
    env,
    token,
    async close() {
      await killAll();
      // A connection leaked by a transaction cut mid-way (or one whose BEGIN failed on a killed
      // connection) would make this wait forever (control-plane/storage/failed-rollback.ts).
      await within("the control plane to close", controlPlane.close(), 20_000);
      await provider.close();
    },
  };
}

/**
 * beforeAll/afterAll hooks giving a test file its own database and {@link InProcessBed}: `use`
 * receives the started bed (and may finish the file's set-up within `timeout`); `cleanup` runs
 * before the bed closes.
 */
export function useInProcessBed(
  use: (bed: InProcessBed) => void | Promise<void>,
  options: { timeout?: number; cleanup?: () => Promise<void> } = {},
): void {
  let db: TestDatabase | undefined;
  let bed: InProcessBed | undefined;
  beforeAll(async () => {
    db = await testDatabase();
    bed = await startInProcessBed(db.url);
    await use(bed);
  }, options.timeout ?? 60_000);
  afterAll(async () => {
    await options.cleanup?.();
    await bed?.close();
    await db?.close();
  });
}

/** How one request ended, as the client saw it. */
export interface Outcome {
  /** 0 when no response came (connection refused or cut). */
  status: number;
  session: string | null;
  /** The parsed JSON body, when it was JSON. */
  body: unknown;
  /** The network error when there was no complete response. */
  error?: string;
  startedAt: number;
}

/** A successful chat completion. */
export const succeeded = (outcome: Outcome) =>
  outcome.status === 200 && typeof (outcome.body as { choices?: unknown } | undefined)?.choices === "object" && outcome.session !== null;

/** A refusal the caller can act on: an error status, the session id, and an OpenAI-format error with a message. */
export const clearError = (outcome: Outcome) =>
  outcome.status >= 400 &&
  outcome.session !== null &&
  typeof (outcome.body as { error?: { message?: unknown } } | undefined)?.error?.message === "string";

/** The agent could not be reached at all (nothing was sent; it is restarting). */
export const refusedToConnect = (outcome: Outcome) => outcome.status === 0 && /ECONNREFUSED/.test(outcome.error ?? "");

/**
 * The connection closed before any answer, without a session: either refused, or an idle
 * keep-alive connection closed by a stopping agent just as the request was sent on it (the race
 * every HTTP/1.1 server has; SDKs retry these). A test proves such requests were never handled by
 * checking that every stored session is one a caller saw (`unseenStored`).
 */
export const notDelivered = (outcome: Outcome) =>
  outcome.status === 0 && outcome.session === null && /ECONNREFUSED|ECONNRESET|UND_ERR_SOCKET/.test(outcome.error ?? "");

/** One chat completion through `baseURL`, never throwing. */
export async function chatOnce(baseURL: string, token: string, prompt: string, headers: Record<string, string> = {}): Promise<Outcome> {
  const startedAt = Date.now();
  try {
    const response = await fetch(`${baseURL}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
      body: JSON.stringify({ model: "stand-in", messages: [{ role: "user", content: prompt }] }),
      signal: AbortSignal.timeout(20_000),
    });
    const session = response.headers.get("x-palisade-session");
    const text = await response.text().catch((error: unknown) => {
      throw Object.assign(new Error("body cut"), { cause: error, status: response.status, session });
    });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: response.status, session, body, startedAt };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const partial = error as { status?: number; session?: string | null };
    return {
      status: 0,
      session: partial.session ?? null,
      body: undefined,
      error: `${(error as Error).message}: ${cause?.code ?? cause?.message ?? ""}`,
      startedAt,
    };
  }
}

/** Records every outcome of `chatOnce` through it (for probes outside the load). */
export function recordingChat(into: Outcome[]): typeof chatOnce {
  return async (...args) => {
    const outcome = await chatOnce(...args);
    into.push(outcome);
    return outcome;
  };
}

/** A running load: what it got so far, a wait for more answers, and the stop. */
export interface Load {
  outcomes: Outcome[];
  /** Resolves once `count` more requests than now have been answered (whatever the answer). */
  answered(count: number, what: string): Promise<void>;
  stop(): Promise<Outcome[]>;
}

/** Steady load: `workers` loops sending chat completions back to back (paced by `pauseMs`, the load's rate, not a wait). */
export function startLoad(baseURL: string, token: string, workers = 2, pauseMs = 50): Load {
  const outcomes: Outcome[] = [];
  let running = true;
  const loops = Array.from({ length: workers }, async (_, worker) => {
    for (let i = 0; running; i++) {
      outcomes.push(await chatOnce(baseURL, token, `worker ${worker} request ${i}`));
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  });
  return {
    outcomes,
    async answered(count, what) {
      const target = outcomes.length + count;
      await eventually(`${count} more answers ${what}`, () => outcomes.length >= target, 60_000);
    },
    async stop() {
      running = false;
      await Promise.all(loops);
      return outcomes;
    },
  };
}

// The model calls: chat completions, Responses, Anthropic messages (readiness probes left out).
const MODEL_CALL = /\/(?:chat\/completions|responses|messages)$/;

/** How many times each stored session id of a model call occurs. */
export async function storedSessionCounts(env: Record<string, string>): Promise<Map<string, number>> {
  const sessions = JSON.parse(await palisade(env, ["audit", "list", "--limit", "100000", "-o", "json"])) as {
    id: string;
    request: { path: string };
  }[];
  const counts = new Map<string, number>();
  for (const session of sessions) {
    if (MODEL_CALL.test(session.request.path)) counts.set(session.id, (counts.get(session.id) ?? 0) + 1);
  }
  return counts;
}

/** Stored chat sessions whose id no caller saw (a request handled, then cut before its answer). */
export function unseenStored(counts: Map<string, number>, outcomes: Outcome[]): string[] {
  const seen = new Set(outcomes.map((outcome) => outcome.session));
  return [...counts.keys()].filter((id) => !seen.has(id));
}

/**
 * Waits until every id in `ids` is stored, then returns the counts; the caller asserts exactly one
 * each (a missing id fails here with the number still missing).
 */
export async function settledSessions(env: Record<string, string>, ids: string[], timeoutMs = 60_000): Promise<Map<string, number>> {
  let missing = ids.length;
  try {
    return await eventually("every session to be stored", async () => {
      const counts = await storedSessionCounts(env).catch(() => undefined);
      if (!counts) return undefined;
      missing = ids.filter((id) => !counts.has(id)).length;
      return missing === 0 ? counts : undefined;
    }, timeoutMs);
  } catch (error) {
    throw new Error(`${(error as Error).message}: ${missing} of ${ids.length} sessions never stored`);
  }
}

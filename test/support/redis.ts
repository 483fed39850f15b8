// Redis for tests: the machine's server at 127.0.0.1:6379 with a unique key prefix per test, or a
// private `redis-server` on a free port for a test that stops it. A test needing Redis never
// vanishes silently: CI names redis in PALISADE_TEST_REQUIRE when the server answers (.ci/run), and
// then a missing Redis fails the test instead of skipping it.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer, type AddressInfo, Socket } from "node:net";
import { Redis } from "ioredis";
import { gate } from "./requirements.js";

/** The machine's Redis. */
export const SHARED_REDIS_URL = "redis://127.0.0.1:6379";

let reachable: Promise<boolean> | undefined;

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.connect(port, "127.0.0.1", () => {
      socket.write("PING\r\n");
      socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
    });
  });
}

/** Whether the machine's Redis answers PING. */
export function redisAvailable(): Promise<boolean> {
  reachable ??= answers(6379);
  return reachable;
}

/**
 * Whether to run the Redis tests of a file (tag them `redis`): true when Redis answers; false (skip,
 * with a line on stderr saying so) when it does not and CI did not require it; throws when CI
 * required it (PALISADE_TEST_REQUIRE names redis: test/support/requirements.ts).
 */
export async function useRedis(file: string): Promise<boolean> {
  const available = await gate("redis", redisAvailable);
  if (!available) process.stderr.write(`${file}: Redis at 127.0.0.1:6379 does not answer: its Redis tests are skipped\n`);
  return available;
}

/** A key prefix no other test uses. */
export function uniquePrefix(): string {
  return `palisade-test:${randomBytes(6).toString("hex")}:`;
}

/** Deletes every key under `prefix` on `url` (after a test). */
export async function dropPrefix(prefix: string, url = SHARED_REDIS_URL): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A redis-server of the test's own, that it may stop and start again on the same port. */
export interface PrivateRedis {
  url: string;
  port: number;
  /** Stops it (SIGTERM) and waits for the exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port (empty: it keeps nothing on disk) and waits until it answers. */
  start(): Promise<void>;
  /** Freezes it (SIGSTOP): connections stay open, nothing is answered — a hung Redis. */
  freeze(): void;
  /** Lets a frozen server run again (SIGCONT). */
  thaw(): void;
}

/** Starts a private redis-server on a free port, nothing saved to disk. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    const deadline = Date.now() + 10_000;
    while (!(await answers(port))) {
      if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer in 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    freeze: () => child?.kill("SIGSTOP"),
    thaw: () => child?.kill("SIGCONT"),
    async stop() {
      const running = child;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once("exit", resolve));
      running.kill("SIGTERM");
      await exited;
    },
  };
}

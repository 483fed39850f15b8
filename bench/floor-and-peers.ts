// The overhead bench's yardsticks, each a process of its own in front of the same provider: the
// floor (bench/floor-proxy.ts: node:http + undici, nothing else) and the peer, Portkey's
// open-source gateway (`@portkey-ai/gateway`, pinned in bench/peers/package.json with the
// `@hono/node-server` override its 1.15.2 needs for streams), installed on demand into
// bench/peers/node_modules by `npm ci` there — never by the project's own install.
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort, until } from "./processes.js";

/** A gateway process in front of the provider; `close` stops it. */
export interface Yardstick {
  /** Base URL ending in `/v1`. */
  baseURL: string;
  /** Headers a client sends it (the provider's key, Portkey's routing headers). */
  headers: Record<string, string>;
  pid: number;
  close(): Promise<void>;
}

const peersDir = join(import.meta.dirname, "peers");
const portkeyEntry = join(peersDir, "node_modules", "@portkey-ai", "gateway", "build", "start-server.js");

function startProcess(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, ...env } });
  const exited = once(child, "exit");
  return {
    pid: child.pid!,
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

const probe = JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "ping" }] });

/** Whether a chat completion through `baseURL` answers 200. */
async function answering(baseURL: string, headers: Record<string, string>): Promise<boolean> {
  const response = await fetch(`${baseURL}/chat/completions`, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: probe });
  await response.body?.cancel();
  return response.status === 200;
}

/** The floor: a bare node:http server forwarding to `upstream` with undici, run by plain Node. */
export async function startFloor(upstream: string): Promise<Yardstick> {
  const port = await freePort();
  const running = startProcess([join(import.meta.dirname, "floor-proxy.ts"), upstream, String(port)]);
  const baseURL = `http://127.0.0.1:${port}/v1`;
  const headers = { authorization: "Bearer sk-bench" };
  await until("the floor proxy", () => answering(baseURL, headers), 30_000).catch(async (error: unknown) => {
    await running.close();
    throw error;
  });
  return { baseURL, headers, ...running };
}

/** Installs the peers into bench/peers/node_modules unless they are there; false when that fails (no registry). */
export async function installPeers(): Promise<boolean> {
  if (existsSync(portkeyEntry)) return true;
  console.log("installing the peer gateways into bench/peers (npm ci, once)…");
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  try {
    // --ignore-scripts: nothing of theirs runs at install.
    await promisify(execFile)(npm, ["ci", "--no-audit", "--no-fund", "--ignore-scripts"], { cwd: peersDir });
  } catch (error) {
    console.warn(`could not install the peers: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  }
  return existsSync(portkeyEntry);
}

/** Portkey's gateway (headless, production mode: no console UI) routing to `upstream` as a custom OpenAI host. */
export async function startPortkey(upstream: string): Promise<Yardstick> {
  const port = await freePort();
  const running = startProcess([portkeyEntry, `--port=${port}`, "--headless"], { NODE_ENV: "production" });
  const baseURL = `http://127.0.0.1:${port}/v1`;
  const headers = { authorization: "Bearer sk-bench", "x-portkey-provider": "openai", "x-portkey-custom-host": `${upstream}/v1` };
  await until("Portkey's gateway", () => answering(baseURL, headers), 60_000).catch(async (error: unknown) => {
    await running.close();
    throw error;
  });
  return { baseURL, headers, ...running };
}

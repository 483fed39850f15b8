// `palisade up` as a real process: it prints where everything is, writes the admin token file the
// other commands read, stops cleanly on SIGINT/SIGTERM with exit code 0, and keeps its data.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPalisade } from "../cli/test-context.js";
import { eventually, within } from "../support/eventually.js";

const ROOT = new URL("../..", import.meta.url).pathname;

interface UpProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

let dir: string;
const running: UpProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "palisade-up-"));
});
afterAll(async () => {
  for (const up of running) if (up.child.exitCode === null) up.child.kill("SIGKILL");
  await rm(dir, { recursive: true, force: true });
});

/** Spawns `palisade up` on free ports with the data directory under test. */
function startUp(extraEnv: Record<string, string>): UpProcess {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith("PALISADE_") && key !== "DATABASE_URL" && key !== "OPENAI_API_KEY")
      env[key] = value;
  }
  // Node itself with tsx's loader: signals reach the CLI directly, with no wrapper in between.
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "cli/main.ts", "up", "--listen", "127.0.0.1:0", "--agent-listen", "127.0.0.1:0"],
    {
      cwd: ROOT,
      env: { ...env, PALISADE_DATA_DIR: join(dir, "data"), ...extraEnv },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const up = { child, stdout: () => stdout, stderr: () => stderr, exited };
  running.push(up);
  return up;
}

/** Waits for the banner and reads the addresses and token from it. */
async function banner(up: UpProcess): Promise<{ server: string; agent: string; adminToken: string; text: string }> {
  const text = await eventually(
    "the banner of palisade up",
    async () => {
      if (up.child.exitCode !== null) throw new Error(`palisade up exited ${up.child.exitCode}: ${up.stderr()}`);
      return up.stdout().includes("Ctrl-C stops both.") ? up.stdout() : undefined;
    },
    // Generous: from the sources, up loads its modules twice (the control plane's worker thread
    // has its own), and a fresh embedded database initialises first; a busy machine is slow at both.
    90_000,
  );
  return {
    server: /Control plane\s+(http:\/\/\S+)/.exec(text)![1]!,
    agent: /Agent\s+(http:\/\/\S+)/.exec(text)![1]!,
    adminToken: /Admin token\s+(\S+)/.exec(text)![1]!,
    text,
  };
}

async function stop(up: UpProcess, signal: NodeJS.Signals): Promise<number | null> {
  up.child.kill(signal);
  return within(`palisade up to exit after ${signal}`, up.exited, 20_000);
}

describe("palisade up", () => {
  it(
    "runs, serves the CLI, stops on SIGINT with 0, and keeps its data across a restart",
    { timeout: 200_000 },
    async () => {
      const first = startUp({ OPENAI_API_KEY: "sk-not-a-real-key", PALISADE_MAX_BODY_BYTES: "1KiB" });
      const facts = await banner(first);
      expect(facts.adminToken).toMatch(/^pat_[A-Za-z0-9_-]{43}$/);
      expect(facts.text).toContain(`SDK base URL    ${facts.agent}/<connection>/v1`);
      expect(facts.text).toContain(`${facts.agent}/openai/v1`);
      expect(facts.text).toContain("npx palisade token create");
      expect(facts.text).toContain("npx palisade audit list");
      const tokenFile = join(dir, "data", "admin-token");
      expect((await readFile(tokenFile, "utf8")).trim()).toBe(facts.adminToken);
      expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);

      // Other commands find the token in the data directory by themselves.
      const env = { PALISADE_SERVER: facts.server, PALISADE_DATA_DIR: join(dir, "data") };
      const token = await runPalisade(["token", "create", "--subject", "you@example.com"], env);
      expect(token.code, token.stderr).toBe(0);
      expect(token.stdout).toMatch(/^ey[\w-]+\.[\w-]+\.[\w-]+\n$/);
    // The agent's body limit comes from PALISADE_MAX_BODY_BYTES: refused before anything is forwarded.
    const oversized = await eventually("the agent to refuse an oversized body", async () => {
      const response = await fetch(`${facts.agent}/openai/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${token.stdout.trim()}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x".repeat(2048) }] }),
      });
      return response.status === 503 ? undefined : response; // 503 until the snapshot has arrived
    });
    expect(oversized.status).toBe(413);
    expect(((await oversized.json()) as { error: { code: string } }).error.code).toBe("request_too_large");
      const openai = await runPalisade(["get", "connection", "openai", "-o", "json"], env);
      expect(JSON.parse(openai.stdout)).toMatchObject({
        name: "openai",
        upstream: "https://api.openai.com",
        credentialSet: true,
      });
      // A fresh installation gets the starter policy, so the quickstart's requests are allowed.
      expect(facts.text).toContain("allow-authenticated (created now)");
      const policies = await runPalisade(["get", "policies", "-o", "json"], env);
      expect(JSON.parse(policies.stdout)).toMatchObject([{ name: "allow-authenticated", connections: ["*"], action: "allow" }]);
      const applied = await runPalisade(
        ["apply", "-f", "-"],
        env,
        "kind: ServiceAccount\nname: ci\ngroups: [deployers]\n",
      );
      expect(applied.stdout).toBe("serviceaccount/ci created\n");
      const agents = await eventually("agent local to connect", async () => {
        const run = await runPalisade(["get", "agents", "-o", "json"], env);
        const list = JSON.parse(run.stdout) as { name: string; connected: boolean }[];
        return list.some((a) => a.name === "local" && a.connected) ? list : undefined;
      });
      expect(agents.map((a) => a.name)).toEqual(["local"]);

      expect(await stop(first, "SIGINT")).toBe(0);
      expect(first.stderr()).toContain("stopped");

      const second = startUp({});
      const again = await banner(second);
      expect(again.adminToken).toBe(facts.adminToken);
      const env2 = { PALISADE_SERVER: again.server, PALISADE_DATA_DIR: join(dir, "data") };
      const kept = await runPalisade(["get", "sa", "ci", "-o", "json"], env2);
      expect(kept.code, kept.stderr).toBe(0);
      expect(JSON.parse(kept.stdout)).toMatchObject({ name: "ci", groups: ["deployers"] });
      expect(again.text).toContain(`${again.agent}/openai/v1`);
      // A policy exists now, so the starter policy is not applied again.
      expect(again.text).toContain("Policies        1 (npx palisade get policies)");
      expect(again.text).not.toContain("created now");
      expect(await stop(second, "SIGTERM")).toBe(0);
    },
  );

  it("fails fast with a clear message when a port is taken", async () => {
    const { createServer } = await import("node:net");
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const run = await runPalisade(["up", "--listen", `127.0.0.1:${port}`, "--data-dir", join(dir, "busy")], {});
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(`error: the control plane cannot listen on 127.0.0.1:${port}: address already in use\n`);
      const agentPort = await runPalisade(
        ["up", "--listen", "127.0.0.1:0", "--agent-listen", `127.0.0.1:${port}`, "--data-dir", join(dir, "busy")],
        {},
      );
      expect(agentPort.stderr).toBe(`error: the agent cannot listen on 127.0.0.1:${port}: address already in use\n`);
    } finally {
      blocker.close();
    }
  });

  it("reports a control plane that cannot start (its own thread) as one clear line, and exits 1", async () => {
    const run = await runPalisade(["up", "--listen", "127.0.0.1:0", "--agent-listen", "127.0.0.1:0", "--data-dir", join(dir, "bad-key")], {
      PALISADE_SECRET_KEY: "too-short",
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^starting the control plane .*\nerror: PALISADE_SECRET_KEY must be the base64 of 32 random bytes/);
    expect(run.stderr.split("\n").filter(Boolean)).toHaveLength(2);
  });
});

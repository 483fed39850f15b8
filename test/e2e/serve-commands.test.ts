// `palisade control-plane` and `palisade agent` in-process: the control plane prints its
// generated admin token once, an agent enrolled with `agent create` connects, and both stop when
// told to.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, type TestDatabase } from "../support/database.js";
import { runPalisade, type CliRun } from "../cli/test-context.js";
import { eventually } from "../support/eventually.js";

let db: TestDatabase;
let dir: string;

beforeAll(async () => {
  db = await testDatabase();
  dir = await mkdtemp(join(tmpdir(), "palisade-serve-"));
});
afterAll(async () => {
  await db?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A serving command running in-process until `stop()`, which resolves with its captured run. */
function serve(args: string[], env: Record<string, string | undefined>): { stop: () => Promise<CliRun> } {
  let release: (signal: string) => void = () => {};
  const stopped = new Promise<string>((resolve) => (release = resolve));
  const run = runPalisade(args, env, "", stopped);
  return {
    stop: () => {
      release("SIGTERM");
      return run;
    },
  };
}

describe("palisade control-plane and palisade agent", () => {
  it("serve until stopped; the agent enrolled by `agent create` connects", { timeout: 60_000 }, async () => {
    const adminToken = "pat_serve-test-token";
    const port = await freePort();
    const server = `http://127.0.0.1:${port}`;
    const cpEnv = { DATABASE_URL: db.url, PALISADE_ADMIN_TOKEN: adminToken, PALISADE_LOG_LEVEL: "silent" };
    const controlPlane = serve(
      ["control-plane", "--listen", `127.0.0.1:${port}`, "--data-dir", join(dir, "cp")],
      cpEnv,
    );
    const adminEnv = { PALISADE_SERVER: server, PALISADE_TOKEN: adminToken, PALISADE_DATA_DIR: dir };
    const enrolled = await eventually("the control plane to answer", async () => {
      const run = await runPalisade(["agent", "create", "edge", "--segment", "eu"], adminEnv);
      return run.code === 0 ? run : undefined;
    });
    const token = enrolled.stdout.trim();
    expect(token).toMatch(/^edge\.[A-Za-z0-9_-]{43}$/);

    const agentPort = await freePort();
    const agent = serve(
      [
        "agent",
        "--control-plane",
        server,
        "--token",
        token,
        "--segment",
        "eu",
        "--agent-listen",
        `127.0.0.1:${agentPort}`,
      ],
      { PALISADE_LOG_LEVEL: "silent" },
    );
    await eventually("agent edge to connect", async () => {
      const run = await runPalisade(["get", "agent", "edge", "-o", "json"], adminEnv);
      return run.code === 0 && (JSON.parse(run.stdout) as { connected: boolean }).connected ? true : undefined;
    });

    const agentRun = await agent.stop();
    expect(agentRun.code, agentRun.stderr).toBe(0);
    expect(agentRun.stderr).toContain(`agent listening on http://127.0.0.1:${agentPort}`);
    const cpRun = await controlPlane.stop();
    expect(cpRun.code, cpRun.stderr).toBe(0);
    expect(cpRun.stderr).toContain(`control plane listening on ${server}`);
    // The admin token came from PALISADE_ADMIN_TOKEN, so none was generated or printed.
    expect(cpRun.stderr).not.toContain("admin token");
  });

  it("refuses to run an agent without a well-formed enrolment token", async () => {
    const missing = await runPalisade(["agent"], {});
    expect(missing).toMatchObject({ code: 1, stdout: "" });
    expect(missing.stderr).toMatch(/^error: an enrolment token is needed/);
    const malformed = await runPalisade(["agent", "--token", "pat_admin"], {});
    expect(malformed.stderr).toMatch(/^error: the enrolment token must look like "<agent-name>.<secret>"/);
  });
});

async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

// `palisade agent --workers 2` as deployed: one process tree, two workers sharing the port, each
// its own instance with its own control stream. Requests are served by both (the recorded
// exchange names the instance), /-/metrics sums the workers, a killed worker is restarted as a
// new instance, and SIGTERM drains a stream in flight before everything exits 0.
import { request } from "node:http";
import { expect, it } from "vitest";
import { runPalisade } from "../cli/test-context.js";
import { eventually, within } from "../support/eventually.js";
import { freePort, spawnPalisade, stopProcess, untilLogged, useInProcessBed, type InProcessBed } from "../faults/fault-bed.js";
import { palisade } from "../support/stack.js";

interface AgentJson { connectedInstances: number; instances: { instance: string; connected: boolean; appliedVersion: string }[] }

let bed: InProcessBed;

useInProcessBed((started) => {
  bed = started;
});

/**
 * One chat completion on a connection of its own (so the cluster hands it to the next worker);
 * `firstChunk` is called when the first piece of the answer arrives.
 */
function freshChat(port: number, stream = false, token = bed.token, firstChunk?: () => void): Promise<{ status: number; session: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: "127.0.0.1", port, method: "POST", path: "/standin/v1/chat/completions", agent: false,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...(stream ? { "x-stand-in-chunk-delay-ms": "150" } : {}) },
    }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
        firstChunk?.();
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, session: String(res.headers["x-palisade-session"]), body }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(JSON.stringify({ model: "stand-in", stream, messages: [{ role: "user", content: "hi ".repeat(stream ? 40 : 1) }] }));
  });
}

async function inTurn<T>(count: number, call: () => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < count; i++) results.push(await call());
  return results;
}

async function instanceOf(session: string): Promise<string> {
  return eventually(`session ${session} stored`, async () => {
    const run = await runPalisade(["audit", "show", session, "-o", "json"], bed.env);
    return run.code === 0 ? ((JSON.parse(run.stdout) as { agentInstance?: string }).agentInstance ?? "") : undefined;
  });
}

async function show(name = "multi"): Promise<AgentJson> {
  return JSON.parse(await palisade(bed.env, ["agent", "show", name, "-o", "json"])) as AgentJson;
}

function series(metrics: string, name: string): number {
  return metrics.split("\n").filter((line) => line.startsWith(name)).reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
}

it("serves from both workers, restarts a killed one as a new instance, and drains on SIGTERM", { timeout: 240_000 }, async () => {
  const token = (await palisade(bed.env, ["agent", "create", "multi"])).trim();
  const port = await freePort();
  const agent = spawnPalisade(["agent", "--server", bed.controlPlane.url, "--token", token, "--agent-listen", `127.0.0.1:${port}`, "--workers", "2"], {});
  await untilLogged(agent, "with 2 workers", "the workers to listen", 90_000);
  const started = /instances ([^;]+);/.exec(agent.stderr())![1]!.split(", ");
  expect(started).toHaveLength(2);
  await eventually("both workers connected and on a snapshot", async () => {
    const shown = await show();
    return shown.connectedInstances === 2 && shown.instances.every((i) => started.includes(i.instance) && i.appliedVersion !== "") ? true : undefined;
  }, 30_000);

  // New connections go to the workers in turn (one at a time: the primary hands each to the worker
  // longest free): both serve, each exchange names its worker.
  const answers = await inTurn(6, () => freshChat(port));
  expect(answers.map((a) => a.status)).toEqual(Array(6).fill(200));
  const served = new Set(await Promise.all(answers.map((a) => instanceOf(a.session))));
  expect([...served].sort()).toEqual([...started].sort());

  // One scrape, whichever worker answers it, sums both.
  const scrape = async () => (await fetch(`http://127.0.0.1:${port}/-/metrics`)).text();
  // An exchange is counted just after its answer ends: poll briefly for the last one.
  const metrics = await eventually("the six requests counted", async () => {
    const text = await scrape();
    return series(text, "palisade_agent_requests_total{") >= 6 ? text : undefined;
  });
  expect(series(metrics, "palisade_agent_stream_connected ")).toBe(2);
  expect(series(metrics, "palisade_agent_workers ")).toBe(2);

  // A worker killed outright is replaced by a new process: a new instance; the old one disconnected.
  const victim = started[0]!;
  process.kill(Number(victim.split("/").at(-1)!.split("-")[0]), "SIGKILL");
  const replaced = await eventually("a replacement worker connected", async () => {
    const shown = await show();
    const fresh = shown.instances.find((i) => !started.includes(i.instance) && i.connected && i.appliedVersion !== "");
    const old = shown.instances.find((i) => i.instance === victim);
    return fresh && old && !old.connected && shown.connectedInstances === 2 ? fresh.instance : undefined;
  }, 60_000);
  expect(agent.stderr()).toContain("agent worker exited; restarting it");
  expect(series(await scrape(), "palisade_agent_worker_restarts_total ")).toBe(1);
  // Its ACK (above) is written as its snapshot goes into force, just before it joins the shared
  // listener: wait until it has served one request, then both take turns again.
  await eventually("the replacement worker serving", async () => {
    const answer = await freshChat(port);
    return (await instanceOf(answer.session)) === replaced ? true : undefined;
  }, 20_000);
  const after = await inTurn(4, () => freshChat(port));
  expect(after.map((a) => a.status)).toEqual(Array(4).fill(200));
  expect(new Set(await Promise.all(after.map((a) => instanceOf(a.session))))).toEqual(new Set([replaced, started[1]]));

  // SIGTERM to the primary: the stream in flight completes, then every worker and the primary exit 0.
  let answering!: () => void;
  const inFlight = new Promise<void>((resolve) => { answering = resolve; });
  const streaming = freshChat(port, true, bed.token, answering);
  await within("the stream's first chunk", inFlight);
  const signalledAt = Date.now();
  expect(await stopProcess(agent, "SIGTERM")).toBe(0);
  const streamed = await streaming;
  expect(streamed.status).toBe(200);
  expect(streamed.body).toContain("data: [DONE]");
  expect(Date.now() - signalledAt).toBeGreaterThan(1_000);
  expect(agent.stderr()).toContain("stopping the agent (2 workers)");
  expect([replaced, started[1]]).toContain(await instanceOf(streamed.session));
  await eventually("both instances disconnected", async () => ((await show()).connectedInstances === 0 ? true : undefined));
});

it("refuses a bad --workers value", async () => {
  const run = await runPalisade(["agent", "--token", "a.b", "--workers", "0"], {});
  expect(run.code).toBe(1);
  expect(run.stderr).toContain("--workers must be a whole number from 1 to 256, or auto");
});

it("gives up when a worker cannot start, instead of restarting it forever", { timeout: 120_000 }, async () => {
  const port = await freePort();
  const agent = spawnPalisade([
    "agent", "--server", bed.controlPlane.url, "--token", "multi.whatever", "--agent-listen", `127.0.0.1:${port}`,
    "--workers", "2", "--agent-tls-cert", "/nonexistent/cert.pem", "--agent-tls-key", "/nonexistent/key.pem",
  ], {});
  expect(await agent.exited).toBe(1);
  expect(agent.stderr()).toMatch(/error: agent worker \d exited \(code 1\) before it served; see its error above/);
  expect(agent.stderr()).toContain("/nonexistent/cert.pem");
});

it("counts a caller's limits once for all its workers, not once per worker", { timeout: 240_000 }, async () => {
  await palisade(bed.env, ["apply", "-f", "-"], `kind: Policy
name: three-a-minute
priority: 1000
connections: ["*"]
when: 'identity.subject == "limited@example.com"'
limits: { requestsPerMinute: 3 }
`);
  const caller = (await palisade(bed.env, ["token", "create", "--subject", "limited@example.com"])).trim();
  const token = (await palisade(bed.env, ["agent", "create", "limited"])).trim();
  const port = await freePort();
  const agent = spawnPalisade(["agent", "--server", bed.controlPlane.url, "--token", token, "--agent-listen", `127.0.0.1:${port}`, "--workers", "2"], {});
  await untilLogged(agent, "with 2 workers", "the workers to listen", 90_000);
  await eventually("both workers on a snapshot", async () => {
    const shown = await show("limited");
    return shown.connectedInstances === 2 && shown.instances.every((i) => i.appliedVersion !== "") ? true : undefined;
  }, 30_000);

  // New connections go to the workers in turn: each would admit three if it counted alone.
  const answers = await inTurn(6, () => freshChat(port, false, caller));
  expect(new Set(await Promise.all(answers.map((a) => instanceOf(a.session)))).size).toBe(2);
  expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 429, 429, 429]);
  expect(answers.find((a) => a.status === 429)?.body).toContain("limit of 3 requests per minute of Palisade policy three-a-minute reached");
  // Another caller is not counted against this one.
  expect((await freshChat(port)).status).toBe(200);
  expect(await stopProcess(agent, "SIGTERM")).toBe(0);
});

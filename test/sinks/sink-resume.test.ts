// At least once across a crash: a control plane (its own process) delivering a webhook sink is
// killed with SIGKILL mid-way; another control plane on the same PostgreSQL resumes from the stored
// cursor, and the receiver ends up with every entry, no gaps. Two deliveries on one database never
// both deliver a sink: the advisory-lock lease picks one, and the other takes over when it stops.
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startControlPlane } from "../../control-plane/control-plane.js";
import type { SinkMetrics } from "../../control-plane/sinks/sink-metrics.js";
import { eventually } from "../support/eventually.js";
import { postgresAvailable } from "../support/database.js";
import { STACK_ADMIN_TOKEN, STACK_SECRET_KEY } from "../support/stack.js";
import { FAST_TIMINGS, type SinkHarness, startSinkHarness } from "./sink-harness.js";
import { startWebhookReceiver, type WebhookReceiver } from "./webhook-receiver.js";

const ROOT = new URL("../..", import.meta.url).pathname;
const hasPostgres = await postgresAvailable();

/** Metrics that only count delivered events. */
function countingMetrics(): SinkMetrics & { count: number } {
  const metrics = { count: 0, lag() {}, failed() {}, forget() {}, delivered(_sink: string, events: number) { metrics.count += events; } };
  return metrics;
}

describe.runIf(hasPostgres)("sink delivery across processes (PostgreSQL)", { tags: ["postgres"] }, () => {
  let harness: SinkHarness;
  const receivers: WebhookReceiver[] = [];
  beforeAll(async () => { harness = await startSinkHarness("postgres", STACK_SECRET_KEY); });
  afterAll(async () => {
    await harness?.close();
    for (const receiver of receivers) await receiver.close();
  });

  it("resumes after the delivering control plane is killed with SIGKILL, with no gaps", async () => {
    const receiver = await startWebhookReceiver(40);
    receivers.push(receiver);
    await harness.append(60);
    await harness.apply({ name: "resume", target: { case: "webhook", value: { url: receiver.url, secret: "s3cret", batchSize: 5 } } });

    const child = spawn(process.execPath, ["--import", "tsx", "cli/main.ts", "control-plane", "--listen", "127.0.0.1:0", "--log-level", "warn"], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: harness.test.url!, PALISADE_SECRET_KEY: STACK_SECRET_KEY, PALISADE_ADMIN_TOKEN: STACK_ADMIN_TOKEN },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise((resolve) => child.once("exit", resolve));
    try {
      await eventually("the child to deliver some batches", () => receiver.accepted.length >= 15, 60_000);
    } catch (error) {
      child.kill("SIGKILL");
      throw new Error(`${String(error)}\n${stderr}`);
    }
    child.kill("SIGKILL");
    await exited;
    const beforeKill = receiver.accepted.length;
    expect(beforeKill).toBeLessThan(60);
    expect(await harness.cursor("resume")).toBeLessThan(60);

    const controlPlane = await startControlPlane({
      listen: "127.0.0.1:0", databaseUrl: harness.test.url, secretKey: STACK_SECRET_KEY, sinkTimings: FAST_TIMINGS,
    });
    try {
      await eventually("the resumed cursor at 60", async () => (await harness.cursor("resume")) === 60, 20_000);
      // Caught up: this replica reports the sink with no lag, and what it delivered.
      const metrics = await eventually("the lag metric at 0", async () => {
        const text = await (await fetch(`${controlPlane.url}/metrics`)).text();
        return /palisade_control_plane_sink_lag_entries\{sink="resume"\} 0/.test(text) ? text : undefined;
      });
      expect(metrics).toMatch(/palisade_control_plane_sink_lag_seconds\{sink="resume"\} 0/);
      expect(metrics).toMatch(/palisade_control_plane_sink_events_delivered_total\{sink="resume"\} [1-9]/);
    } finally {
      await controlPlane.close();
    }
    const seen = new Set(receiver.accepted);
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    // At least once: what was in flight at the kill may come twice, nothing more.
    expect(receiver.accepted.length - seen.size).toBeLessThanOrEqual(10);
  }, 120_000); // a child process on a loaded machine: starting it dominates

  it("lets exactly one of two deliveries deliver a sink, and the other take over when it stops", async () => {
    const receiver = await startWebhookReceiver();
    receivers.push(receiver);
    const counts = [countingMetrics(), countingMetrics()];
    const deliveries = [await harness.deliver(counts[0]), await harness.deliver(counts[1])];
    await harness.apply({ name: "shared", target: { case: "webhook", value: { url: receiver.url, secret: "s3cret", batchSize: 7 } } });
    const head = 60;
    await eventually("the shared sink caught up", async () => (await harness.cursor("shared")) === head);
    for (let round = 0; round < 5; round++) {
      await harness.append(10, 1000 + round * 10);
      await eventually(`round ${round} delivered`, async () => (await harness.cursor("shared")) === head + (round + 1) * 10);
    }
    // Every entry once: never two deliverers at a time. ("resume" is delivered by one of them too.)
    expect(receiver.accepted).toEqual(Array.from({ length: 110 }, (_, i) => i + 1));
    const holder = counts.findIndex((c) => c.count >= 110);
    expect(holder).toBeGreaterThanOrEqual(0);
    const other = 1 - holder;
    const otherBefore = counts[other]!.count;

    // The holder stops: the other takes the lease and goes on from the cursor.
    await deliveries[holder]!.close();
    await harness.append(5, 2000);
    await eventually("the other delivery took over", async () => (await harness.cursor("shared")) === 115);
    expect(counts[other]!.count - otherBefore).toBeGreaterThanOrEqual(5);
    expect(receiver.accepted.slice(110)).toEqual([111, 112, 113, 114, 115]);
  });
});

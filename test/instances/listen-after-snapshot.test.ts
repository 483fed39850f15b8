// `listenAfterSnapshot` (a replacement `--workers` worker): the agent joins the listener only once
// a snapshot is in force, so it never answers 503 "no configuration yet" while its siblings could
// answer; stopped before that, it gives up without ever listening.
import { connect, createServer, type AddressInfo } from "node:net";
import { expect, it } from "vitest";
import { startAgent } from "../../agent/agent.js";
import { freePort, useInProcessBed, type InProcessBed } from "../faults/fault-bed.js";
import { eventually } from "../support/eventually.js";
import { palisade } from "../support/stack.js";

let bed: InProcessBed;

useInProcessBed((started) => {
  bed = started;
});

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => { socket.destroy(); resolve(false); });
    socket.once("error", () => resolve(true));
  });
}

it("does not listen while no snapshot can come, and gives up when stopped", async () => {
  const port = await freePort();
  // A "control plane" that cuts every connection: no snapshot can come, and each attempt is seen.
  let attempts = 0;
  const cutter = createServer((socket) => { attempts += 1; socket.destroy(); });
  await new Promise<void>((resolve) => cutter.listen(0, "127.0.0.1", resolve));
  const stop = new AbortController();
  const starting = startAgent({ listen: `127.0.0.1:${port}`, controlPlane: `http://127.0.0.1:${(cutter.address() as AddressInfo).port}`, token: "nowhere.secret", listenAfterSnapshot: stop.signal });
  const outcome = starting.then(() => "started", (error: Error) => error.message);
  await eventually("a second attempt to reach the control plane", () => attempts >= 2, 30_000);
  expect(await refused(port)).toBe(true);
  stop.abort();
  expect(await outcome).toBe("stopped before the first snapshot arrived");
  expect(await refused(port)).toBe(true);
  await new Promise<void>((resolve) => cutter.close(() => resolve()));
});

it("listens once the first snapshot is in force: ready from its first answer", async () => {
  const token = (await palisade(bed.env, ["agent", "create", "late"])).trim();
  const agent = await startAgent({ listen: "127.0.0.1:0", controlPlane: bed.controlPlane.url, token, listenAfterSnapshot: new AbortController().signal });
  try {
    const ready = await fetch(`${agent.url}/-/readyz`);
    expect(ready.status).toBe(200);
  } finally {
    await agent.close();
  }
});

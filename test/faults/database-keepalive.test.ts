// The control plane's connections to PostgreSQL carry TCP keepalive, so a database that vanished
// without a reset (a commit in flight waiting for an answer that never comes) is given up on by the
// operating system instead of being waited for without end (control-plane/storage/database.ts).
// Checked on the socket itself, as the kernel sees it (`ss -o` shows its keepalive timer).
import { execFileSync } from "node:child_process";
import type { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, postgresAvailable } from "../support/database.js";

const run = await postgresAvailable();
let opened: Awaited<ReturnType<typeof openTestDatabase>> | undefined;

beforeAll(async () => {
  if (run) opened = await openTestDatabase("postgres");
});

afterAll(async () => {
  await opened?.close();
});

describe.runIf(run)("the control plane's connections to PostgreSQL", { tags: ["postgres"] }, () => {
  it("have TCP keepalive on", async (context) => {
    try {
      execFileSync("ss", ["-V"]);
    } catch {
      return context.skip("needs ss (iproute2) to read the socket's timer");
    }
    const em = opened!.db.em();
    await em.execute("select 1");
    // The pool's idle connections (pg-pool keeps them in `_clients`; each client's socket is `connection.stream`).
    const pool = (await em.getConnection().getNativeClient()) as unknown as { _clients: { connection: { stream: Socket } }[] };
    const ports = pool._clients.map((client) => client.connection.stream.localPort);
    expect(ports.length).toBeGreaterThan(0);
    const sockets = execFileSync("ss", ["-tnoH", "state", "established", `( sport = :${ports[0]} )`], { encoding: "utf8" });
    expect(sockets).toMatch(/timer:\(keepalive,/);
  });
});

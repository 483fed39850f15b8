// The exchange table locked by another transaction (`LOCK TABLE exchange IN ACCESS EXCLUSIVE MODE`
// held: a migration, an operator's maintenance, a stuck VACUUM FULL): the control plane's commit
// waits on the lock and sends no ACK, so the agent holds what it recorded (within its buffer, then
// refuses: 503 `audit buffer full`, fail closed). Once the lock is released every answered exchange
// is stored exactly once and the audit chain verifies.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { eventually, within } from "../support/eventually.js";
import { sample } from "../support/metrics.js";
import { palisade, startStack, type Stack } from "../support/stack.js";
import { chatOnce, clearError, settledSessions, succeeded } from "./fault-bed.js";

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ agentName: "locked-table", agent: { bufferSize: 4 } });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

const agentMetric = async (series: string) => sample(await (await fetch(`${stack.agent.url}/-/metrics`)).text(), series) ?? 0;

describe("the exchange table locked by another transaction", () => {
  it("fills the agent's buffer, then refuses; once released every answered exchange is stored once, the chain intact", { timeout: 60_000, tags: ["postgres"] }, async (context) => {
    if (!stack.db.url) return context.skip("needs PostgreSQL (PGlite has one connection: the lock would be the control plane's own)");
    const emptied = async () => ((await agentMetric("palisade_agent_buffer_exchanges")) === 0 ? true : undefined);
    await eventually("the set-up's records to be acknowledged", emptied, 20_000);
    const locker = new pg.Client({ connectionString: stack.db.url });
    await locker.connect();
    try {
      await locker.query("begin");
      await locker.query("lock table exchange in access exclusive mode");
      const outcomes = [];
      // Each answered request is held by the agent; the fifth finds no room.
      for (let i = 0; i < 5; i++) outcomes.push(await chatOnce(stack.baseURL, stack.callerToken, `while locked ${i}`));
      expect(outcomes.slice(0, 4).filter((outcome) => !succeeded(outcome))).toEqual([]);
      const refused = outcomes[4]!;
      expect(refused.status).toBe(503);
      expect(clearError(refused)).toBe(true);
      expect((refused.body as { error: { message: string } }).error.message).toMatch(/audit buffer full/);
      expect(await agentMetric("palisade_agent_buffer_exchanges")).toBe(4);
      // The commit is waiting on the lock (not failed, not given up).
      await eventually("the commit to wait on the lock", async () =>
        (await locker.query("select count(*)::int as n from pg_locks where relation = 'exchange'::regclass and not granted")).rows[0].n > 0 ? true : undefined, 20_000);
      await locker.query("rollback");
      const ids = outcomes.slice(0, 4).map((outcome) => outcome.session!);
      const counts = await settledSessions(stack.env, ids, 30_000);
      expect(ids.filter((id) => counts.get(id) !== 1)).toEqual([]);
      await eventually("the buffer to empty", emptied, 20_000);
      expect(succeeded(await chatOnce(stack.baseURL, stack.callerToken, "after"))).toBe(true);
      expect(await palisade(stack.env, ["audit", "verify"])).toMatch(/audit log intact/);
    } finally {
      await locker.end();
    }
  });

  it("does not hold the agent's shutdown past its flush wait when the wall clock is stepped back meanwhile", { timeout: 60_000, tags: ["postgres"] }, async (context) => {
    if (!stack.db.url) return context.skip("needs PostgreSQL");
    const locker = new pg.Client({ connectionString: stack.db.url });
    await locker.connect();
    const wall = Date.now.bind(Date);
    try {
      await locker.query("begin");
      await locker.query("lock table exchange in access exclusive mode");
      expect(succeeded(await chatOnce(stack.baseURL, stack.callerToken, "held at shutdown"))).toBe(true);
      // Never acknowledged while the lock is held: close() waits its 5 s for the ACK, then gives up
      // (logged as not acknowledged) — measured on a clock NTP cannot step back. Here the wall
      // clock steps back a second at every reading, whenever close() starts its wait.
      let stepped = wall();
      vi.spyOn(Date, "now").mockImplementation(() => (stepped -= 1_000));
      await within("the agent to close", stack.agent.close(), 20_000);
    } finally {
      vi.restoreAllMocks();
      await locker.query("rollback").catch(() => {});
      await locker.end();
    }
  });
});

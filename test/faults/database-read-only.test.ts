// The database turned read-only under a running control plane (`default_transaction_read_only` on
// for the database, its sessions cut so the pool reconnects into it: what a failover to a replica,
// a full disk's emergency setting or an operator's mistake looks like). Callers are not affected
// (the agent does not need the database to serve), nothing is stored or lost meanwhile: the agent
// keeps the records and sends them once the database takes writes again, each stored exactly once.
// And a database that runs out of disk part-way through a commit (PostgreSQL's `disk_full`, raised
// here by a trigger on the audit chain's table, after the exchange rows were inserted in the same
// transaction): nothing of the commit stays, and once it has room each session is stored once and
// listed once in the chain.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";
import { sample } from "../support/metrics.js";
import { startStack, type Stack } from "../support/stack.js";
import { palisade } from "../support/stack.js";
import { chatOnce, settledSessions, storedSessionCounts, succeeded } from "./fault-bed.js";

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ agentName: "read-only-db" });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

/** Sets the stack's database read-only (or back) for every new session, and cuts the sessions it has so they reconnect as such. */
async function readOnly(on: boolean): Promise<void> {
  const database = new URL(stack.db.url!);
  const name = database.pathname.slice(1);
  database.pathname = "/postgres"; // not the database itself: its new sessions are read-only
  const client = new pg.Client({ connectionString: database.toString() });
  await client.connect();
  try {
    await client.query(`alter database ${name} set default_transaction_read_only = ${on ? "on" : "off"}`);
    await client.query("select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()", [name]);
  } finally {
    await client.end();
  }
}

const agentMetric = async (series: string) => sample(await (await fetch(`${stack.agent.url}/-/metrics`)).text(), series) ?? 0;

describe("the database turned read-only", () => {
  it("keeps callers served, stores nothing meanwhile and everything once it takes writes again", { timeout: 60_000, tags: ["postgres"] }, async (context) => {
    if (!stack.db.url) return context.skip("needs PostgreSQL (PGlite has no read-only sessions)");
    const reconnects = await agentMetric("palisade_agent_stream_reconnects_total");
    await readOnly(true);
    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push(await chatOnce(stack.baseURL, stack.callerToken, `while read-only ${i}`));
    expect(outcomes.filter((outcome) => !succeeded(outcome))).toEqual([]);
    // The control plane cannot commit them: the agent holds them unacknowledged, its stream retrying.
    await eventually("the agent to hold the five records and retry", async () =>
      (await agentMetric("palisade_agent_buffer_exchanges")) >= 5 && (await agentMetric("palisade_agent_stream_reconnects_total")) > reconnects ? true : undefined, 20_000);
    const ids = outcomes.map((outcome) => outcome.session!);
    const meanwhile = await storedSessionCounts(stack.env);
    expect(ids.filter((id) => meanwhile.has(id))).toEqual([]);

    await readOnly(false);
    const counts = await settledSessions(stack.env, ids, 45_000);
    expect(ids.filter((id) => counts.get(id) !== 1)).toEqual([]);
    expect(succeeded(await chatOnce(stack.baseURL, stack.callerToken, "after"))).toBe(true);
  });
});

describe("the database out of disk part-way through a commit", () => {
  it("keeps nothing of the commit and, once it has room, stores and chains each session once", { timeout: 60_000, tags: ["postgres"] }, async (context) => {
    if (!stack.db.url) return context.skip("needs PostgreSQL");
    // Everything before is acknowledged: the commit that fails is one of this test's records.
    await eventually("earlier records to be acknowledged", async () => ((await agentMetric("palisade_agent_buffer_exchanges")) === 0 ? true : undefined), 30_000);
    const client = new pg.Client({ connectionString: stack.db.url });
    await client.connect();
    try {
      // What PostgreSQL raises when it cannot extend a file; the exchange rows are in by then.
      await client.query(`create function palisade_test_disk_full() returns trigger language plpgsql as $$
        begin raise exception 'could not extend file: No space left on device' using errcode = 'disk_full'; end $$`);
      await client.query("create trigger palisade_test_disk_full before insert on audit_log for each statement execute function palisade_test_disk_full()");
      const commitFailures = async () =>
        sample(await (await fetch(`${stack.controlPlane.url}/metrics`)).text(), "palisade_control_plane_exchange_commit_failures_total") ?? 0;
      const failuresBefore = await commitFailures();
      const outcomes = [];
      for (let i = 0; i < 3; i++) outcomes.push(await chatOnce(stack.baseURL, stack.callerToken, `while the disk is full ${i}`));
      expect(outcomes.filter((outcome) => !succeeded(outcome))).toEqual([]);
      await eventually("a commit to fail", async () => ((await commitFailures()) > failuresBefore ? true : undefined), 20_000);
      const ids = outcomes.map((outcome) => outcome.session!);
      // Nothing of the failed commits is stored: no exchange row without its chain entry.
      const rows = await client.query("select count(*)::int as n from exchange where id = any($1)", [ids]);
      expect(rows.rows[0].n).toBe(0);

      await client.query("drop trigger palisade_test_disk_full on audit_log");
      const counts = await settledSessions(stack.env, ids, 45_000);
      expect(ids.filter((id) => counts.get(id) !== 1)).toEqual([]);
      for (const id of ids) {
        const listed = await client.query("select count(*)::int as n from audit_log where payload::text like $1", [`%${id}%`]);
        expect(listed.rows[0].n).toBe(1);
      }
      expect(await palisade(stack.env, ["audit", "verify"])).toMatch(/audit log intact/);
    } finally {
      await client.query("drop trigger if exists palisade_test_disk_full on audit_log").catch(() => {});
      await client.end();
    }
  });
});

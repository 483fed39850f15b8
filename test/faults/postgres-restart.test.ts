// PostgreSQL restarted (`pg_ctl restart -m fast`, every connection cut) under steady load through
// a real agent process. The database is a private cluster of this test's own: the shared one is
// never touched. Callers are not affected (the agent does not need the database to serve), the
// exchanges that could not be committed meanwhile are resent, and once things settle every one
// is stored exactly once; the admin API works again without a control-plane restart.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../control-plane/storage/database.js";
import { eventually, within } from "../support/eventually.js";
import { palisade } from "../support/stack.js";
import { chatOnce, freePort, settledSessions, startAgentProcess, startInProcessBed, startLoad, succeeded, type InProcessBed } from "./fault-bed.js";
import { privatePostgresUnavailable, startPrivatePostgres, type PrivatePostgres } from "./private-postgres.js";

/** Whether a `pg_sleep` query is running on the cluster at `url` (seen from a connection of its own). */
async function sleeping(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query("select count(*)::int as n from pg_stat_activity where state = 'active' and query like 'select pg_sleep%'");
    return rows[0].n > 0;
  } finally {
    await client.end();
  }
}

let unavailable: string | undefined;
let postgres: PrivatePostgres | undefined;
let bed: InProcessBed | undefined;
let controlPlane: InProcessBed["controlPlane"] | undefined;
let env: Record<string, string>;
let token: string;

beforeAll(async () => {
  unavailable = await privatePostgresUnavailable();
  if (unavailable) return;
  postgres = await startPrivatePostgres();
  bed = await startInProcessBed(postgres.url);
  ({ controlPlane, env, token } = bed);
}, 120_000);

afterAll(async () => {
  await bed?.close(); // bounded: a connection leaked by a transaction the restart cut would hang it
  await postgres?.close();
}, 60_000);

describe("PostgreSQL restarted under load", () => {
  it("keeps callers served and stores every exchange exactly once", { timeout: 180_000, tags: ["postgres"] }, async (context) => {
    if (unavailable) return context.skip(`a private PostgreSQL cannot be started: ${unavailable}`);
    const port = await freePort();
    await startAgentProcess(port, controlPlane!.url, (await palisade(env, ["agent", "create", "steady"])).trim());
    const baseURL = `http://127.0.0.1:${port}/standin/v1`;
    await eventually("the agent to serve", async () => (succeeded(await chatOnce(baseURL, token, "ready?")) ? true : undefined), 60_000);

    const load = startLoad(baseURL, token);
    await load.answered(10, "before the restart");
    const restartStarted = Date.now();
    await postgres!.restart();
    const restartEnded = Date.now();
    await load.answered(10, "after the restart");
    const outcomes = await load.stop();

    expect(outcomes.filter((outcome) => outcome.startedAt >= restartStarted && outcome.startedAt <= restartEnded + 500).length).toBeGreaterThan(0);
    expect(outcomes.filter((outcome) => !succeeded(outcome))).toEqual([]);
    const ids = outcomes.map((outcome) => outcome.session!);
    const counts = await settledSessions(env, ids);
    expect(ids.filter((id) => counts.get(id) !== 1)).toEqual([]);
  });

  it("gives back the pooled connection of a transaction the restart cut (close does not hang)", { timeout: 60_000, tags: ["postgres"] }, async (context) => {
    if (unavailable) return context.skip(`a private PostgreSQL cannot be started: ${unavailable}`);
    const db = await openDatabase({ databaseUrl: postgres!.url });
    const cut = db.transaction((em) => em.execute("select pg_sleep(10)")).then(() => "committed", (error: unknown) => String(error));
    await eventually("the transaction's query to be running", () => sleeping(postgres!.url), 10_000);
    await postgres!.restart();
    expect(await cut).toMatch(/terminating connection/);
    await within("the database to close", db.close(), 10_000);
  });
});

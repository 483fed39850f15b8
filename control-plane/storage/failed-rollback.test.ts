// The Kysely connection-leak workarounds with a stand-in pg pool whose connections fail on cue
// (a dead PostgreSQL session): what matters is that each checked-out client is released exactly once.
import { Kysely, PostgresDialect } from "kysely";
import { describe, expect, it } from "vitest";
import { releaseConnectionsOnFailedRollback } from "./failed-rollback.js";

releaseConnectionsOnFailedRollback();

/** A pool of one client whose statements listed in `failing` reject, counting releases. */
function deadSessionPool(failing: readonly string[]) {
  const client = {
    releases: 0,
    async query(sql: string | { text: string }) {
      const text = typeof sql === "string" ? sql : sql.text;
      if (failing.some((statement) => text.startsWith(statement))) throw new Error("Connection terminated unexpectedly");
      return { rows: [], command: "SELECT", rowCount: 0 };
    },
    release() {
      client.releases++;
    },
  };
  return { client, pool: { connect: async () => client, end: async () => {} } };
}

const db = (pool: unknown) => new Kysely<unknown>({ dialect: new PostgresDialect({ pool: pool as never }) });

describe("transactions on a dead session give their connection back", () => {
  it("a controlled transaction whose BEGIN fails (what MikroORM uses)", async () => {
    const { client, pool } = deadSessionPool(["begin"]);
    await expect(db(pool).startTransaction().execute()).rejects.toThrow(/terminated/);
    expect(client.releases).toBe(1);
  });

  it("a controlled transaction whose COMMIT and ROLLBACK fail", async () => {
    const { client, pool } = deadSessionPool(["commit", "rollback"]);
    const trx = await db(pool).startTransaction().execute();
    await expect(trx.commit().execute()).rejects.toThrow(/terminated/);
    await trx.rollback().execute();
    expect(client.releases).toBe(1);
  });

  it("a callback transaction whose BEGIN fails releases once, not twice", async () => {
    const { client, pool } = deadSessionPool(["begin"]);
    await expect(db(pool).transaction().execute(async () => undefined)).rejects.toThrow(/terminated/);
    expect(client.releases).toBe(1);
    // The next checkout of the same client is released normally.
    const next = deadSessionPool([]);
    await db(next.pool).transaction().execute(async () => undefined);
    expect(next.client.releases).toBe(1);
  });
});

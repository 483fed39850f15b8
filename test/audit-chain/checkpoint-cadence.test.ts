// Checkpoints follow events, not entries: a commit's 'sessions' entry listing many sessions counts
// each of them, so the unsigned tail of the chain holds no more sessions than with one entry each.
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type Checkpointer, startCheckpointer } from "../../control-plane/audit/checkpointer.js";
import { latestCheckpoint } from "../../control-plane/audit/audit-store.js";
import type { Database } from "../../control-plane/storage/database.js";
import { createExchangeSink } from "../../control-plane/storage/exchanges.js";
import { openTestDatabase, postgresAvailable } from "../support/database.js";
import { eventually } from "../support/eventually.js";
import { exchange } from "../storage/exchange-fixtures.js";

const flavour = (await postgresAvailable()) ? "postgres" : "pglite";

describe(`checkpoint cadence on ${flavour}`, () => {
  let opened: Awaited<ReturnType<typeof openTestDatabase>>;
  let db: Database;
  let checkpointer: Checkpointer | undefined;

  beforeAll(async () => {
    opened = await openTestDatabase(flavour);
    db = opened.db;
  });
  afterAll(async () => {
    await checkpointer?.close();
    await opened?.close();
  });

  it("signs once a single entry lists as many sessions as the cadence allows", async () => {
    // Every 5 events; the time cadence far away, so only the count can trigger it.
    checkpointer = await startCheckpointer({ db, logger: pino({ level: "silent" }), everyEntries: 5, everyMs: 3_600_000 });
    await createExchangeSink(db).commit("edge", Array.from({ length: 6 }, (_, i) => exchange(`cad-${i}`)));
    const signed = await eventually("a checkpoint of the one sessions entry", async () => latestCheckpoint(db.em()));
    expect(signed).toMatchObject({ seq: 1, count: 1 });
  });

  it("signs on time even when the wall clock was stepped back an hour", async () => {
    await checkpointer?.close();
    const covered = (await latestCheckpoint(db.em()))!.seq;
    // Only the time cadence can trigger it; a cadence kept in wall-clock time would wait the hour out.
    checkpointer = await startCheckpointer({ db, logger: pino({ level: "silent" }), everyEntries: 1_000_000, everyMs: 200 });
    const wall = Date.now.bind(Date);
    const stepped = vi.spyOn(Date, "now").mockImplementation(() => wall() - 3_600_000);
    try {
      await createExchangeSink(db).commit("edge", [exchange("cad-clock")]);
      const signed = await eventually("a checkpoint after the step", async () => {
        const last = await latestCheckpoint(db.em());
        return last && last.seq > covered ? last : undefined;
      }, 10_000);
      expect(signed.seq).toBeGreaterThan(covered);
    } finally {
      stepped.mockRestore();
    }
  });
});

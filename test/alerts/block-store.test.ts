// The block store on both engines: a block and its lifting commit with a change event (so every
// replica pushes a snapshot) and an audit entry of type "block"; a new block replaces the live one.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBlockStore, liveBlocks } from "../../control-plane/blocks/block-store.js";
import type { Database } from "../../control-plane/storage/database.js";
import { databaseFlavours, openTestDatabase } from "../support/database.js";
import { eventually } from "../support/eventually.js";

describe.each(await databaseFlavours())("blocks on %s", (flavour) => {
  let db: Database;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ db, close } = await openTestDatabase(flavour));
  });
  afterAll(async () => { await close?.(); });

  const audit = () => db.em().execute<Array<{ type: string; subject: string; payload: Record<string, unknown> | string }>>(
    "select type, subject, payload from audit_log order by seq");
  const changes = () => db.em().execute<Array<{ kind: string; action: string; actor: string }>>(
    "select kind, action, actor from change_event where kind = 'block' order by id");

  it("creates, replaces and lifts blocks, each with a change event and an audit entry", async () => {
    const blocks = createBlockStore(db);
    const first = await blocks.create({ subject: "eve", issuer: "", reason: "first", rule: "", durationMs: 60_000, createdBy: "admin:root" });
    const second = await blocks.create({ subject: "eve", issuer: "", reason: "second", rule: "", durationMs: 120_000, createdBy: "admin:root" });
    const live = await liveBlocks(db.em(), new Date());
    expect(live.map((block) => block.id)).toEqual([second.id]);
    expect(live[0]!.reason).toBe("second");

    const history = await blocks.list({ includeInactive: true, limit: 10 });
    expect(history.map((block) => block.id)).toEqual([second.id, first.id]);
    expect(history[1]!.liftedBy).toBe("replaced by admin:root");

    const lifted = await blocks.lift({ subject: "eve" }, "admin:ops");
    expect(lifted.map((block) => block.id)).toEqual([second.id]);
    expect(await liveBlocks(db.em(), new Date())).toEqual([]);
    expect(await blocks.lift({ subject: "eve" }, "admin:ops")).toEqual([]);

    expect(await changes()).toEqual([
      { kind: "block", action: "create", actor: "admin:root" },
      { kind: "block", action: "create", actor: "admin:root" },
      { kind: "block", action: "delete", actor: "admin:ops" },
    ]);
    const entries = (await audit()).map((entry) => ({ ...entry, payload: typeof entry.payload === "string" ? JSON.parse(entry.payload) : entry.payload }));
    expect(entries.map((entry) => [entry.type, entry.subject, entry.payload.action, entry.payload.actor])).toEqual([
      ["block", "eve", "block", "admin:root"],
      ["block", "eve", "block", "admin:root"],
      ["block", "eve", "unblock", "admin:ops"],
    ]);
    expect(entries[2]!.payload).toMatchObject({ id: second.id, reason: "second" });
  });

  it("lists only live blocks by default and leaves expired ones out of the snapshot", async () => {
    const blocks = createBlockStore(db);
    const short = await blocks.create({ subject: "fred", issuer: "https://idp", reason: "r", rule: "spike", durationMs: 1, createdBy: "alert-rule:spike" });
    // Expiry is judged by the database's clock: wait until the listing leaves the block out.
    await eventually("the 1 ms block to expire", async () => !(await blocks.list({ includeInactive: false, limit: 10 })).some((block) => block.id === short.id));
    expect((await liveBlocks(db.em(), new Date())).map((block) => block.id)).not.toContain(short.id);
    expect((await blocks.list({ includeInactive: true, subject: "fred", limit: 10 }))[0]).toMatchObject({ rule: "spike", issuer: "https://idp" });
  });
});

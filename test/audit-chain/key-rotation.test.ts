// Rotating the checkpoint key, on PGlite and PostgreSQL: the rotation is an entry of the chain
// signed by the old key's last checkpoint, later checkpoints are signed by the new key, verify
// (online and offline) accepts each checkpoint under the key valid at its seq and refuses one signed
// by the retired key after its retirement — from the keys' ranges, and from the rotation entry for
// keys saved without them; (PostgreSQL) a second replica signs with the new key at
// once, also while rotations race with its checkpoints.
import { randomBytes } from "node:crypto";
import type { JWK } from "jose";
import { describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";
import { appendAuditEvents } from "../../control-plane/audit/audit-log.js";
import { KEY_ROTATION_ACTION, rotateAuditKey } from "../../control-plane/audit/audit-key-rotation.js";
import { auditPublicKeys } from "../../control-plane/audit/audit-keys.js";
import { readCheckpoints, readEntries, readEntry } from "../../control-plane/audit/audit-store.js";
import { signCheckpoint, VALID_FROM, VALID_TO } from "../../control-plane/audit/checkpoint-token.js";
import { writeCheckpoint } from "../../control-plane/audit/checkpointer.js";
import type { ExportItem } from "../../control-plane/audit/export-format.js";
import { parseKeys, verifyItems } from "../../control-plane/audit/verify-export.js";
import { verifyStoredLog } from "../../control-plane/audit/verify-stored-log.js";
import { createSecretBox } from "../../control-plane/crypto/secret-box.js";
import { secretBox, useSecretBox } from "../../control-plane/crypto/secret-registry.js";
import { type Database, openDatabase } from "../../control-plane/storage/database.js";
import { databaseFlavours, postgresAvailable, testDatabase, useOpenTestDatabase } from "../support/database.js";

const append = (db: Database, n: number) => db.transaction((tx) => appendAuditEvents(tx,
  Array.from({ length: n }, (_, i) => ({ type: "admin" as const, subject: "admin-token:bootstrap", payload: { rpc: "Apply", i } }))));

/** The stored log as an export (entries, each checkpoint after its entry). */
async function exported(db: Database): Promise<() => AsyncIterable<ExportItem>> {
  const items: ExportItem[] = [];
  const checkpoints = new Map((await readCheckpoints(db.em(), { from: 1 })).map((c) => [c.seq, c]));
  for await (const page of readEntries(db.em(), { from: 1 })) {
    for (const entry of page) {
      items.push({ entry });
      const checkpoint = checkpoints.get(entry.seq);
      if (checkpoint) items.push({ checkpoint });
    }
  }
  return async function* () { yield* items; };
}

describe.each(await databaseFlavours())("rotating the checkpoint key on %s", (flavour) => {
  let db: Database;
  useOpenTestDatabase(flavour, (opened) => { db = opened.db; });

  it("records the handover in the chain under the old key and signs later checkpoints with the new one", async () => {
    await append(db, 5);
    await writeCheckpoint(db);
    const [first] = await auditPublicKeys(db.em());
    const rotation = await rotateAuditKey(db, "alice");
    expect(rotation).toMatchObject({ retiredKid: first!.kid, handoverSeq: 6 });
    const entry = (await readEntry(db.em(), 6))!;
    expect(entry).toMatchObject({ type: "admin", subject: "alice", payload: { action: KEY_ROTATION_ACTION, retired_kid: first!.kid, kid: rotation.kid } });
    expect((entry.payload.public_jwk as JWK).x).toBe(rotation.publicJwk.x);
    expect((await readCheckpoints(db.em(), { from: 6, to: 6 }))[0]!.kid).toBe(first!.kid);

    await append(db, 3);
    expect((await writeCheckpoint(db))!).toMatchObject({ seq: 9, kid: rotation.kid });
    const keys = await auditPublicKeys(db.em());
    expect(keys.map((key) => [key.kid, key[VALID_FROM], key[VALID_TO]])).toEqual([[first!.kid, 1, 6], [rotation.kid, 7, undefined]]);

    expect(await verifyStoredLog(db)).toMatchObject({ ok: true, entriesChecked: 9, checkpointsChecked: 3 });
    expect(await verifyItems(await exported(db), keys)).toMatchObject({ ok: true, checkpointsChecked: 3 });
    expect((await verifyItems(await exported(db), [keys[1]!])).firstBroken).toEqual({ seq: 5, problem: `checkpoint at seq 5 is signed by unknown key ${first!.kid}` });
    // The JWKS `audit public-key` prints reads back as it is; a range that is not a seq is refused.
    expect(parseKeys(JSON.stringify({ keys }))).toEqual(keys);
    expect(() => parseKeys(JSON.stringify({ keys: [{ ...keys[0], [VALID_TO]: "6" }] }))).toThrow(/palisade_valid_to_seq must be a seq/);
  });

  it("refuses a checkpoint the retired key signs after its retirement, online and offline", async () => {
    const keys = await auditPublicKeys(db.em());
    const [row] = await db.em().execute<{ sealed: string }[]>("select private_jwk_sealed as sealed from audit_signing_key where kid = ?", [keys[0]!.kid]);
    const retiredPrivate = JSON.parse(secretBox(db.em()).open(row!.sealed)) as JWK;
    await append(db, 1);
    const head = (await readEntry(db.em(), 10))!;
    const claims = { seq: 10, hash: head.hash, count: 10, time: new Date().toISOString() };
    await db.em().execute("insert into audit_checkpoint (seq, hash, count, time, kid, jws) values (?, ?, ?, ?, ?, ?)",
      [10, head.hash, 10, claims.time, keys[0]!.kid, await signCheckpoint(claims, keys[0]!.kid!, retiredPrivate)]);
    const problem = `checkpoint at seq 10 is signed by key ${keys[0]!.kid}, retired at seq 6`;
    expect((await verifyStoredLog(db)).firstBroken).toEqual({ seq: 10, problem });
    expect((await verifyItems(await exported(db), keys)).firstBroken).toEqual({ seq: 10, problem });
    // Keys saved without their ranges: the rotation entry in the chain still tells.
    const bare = keys.map(({ [VALID_FROM]: _from, [VALID_TO]: _to, ...key }) => key);
    expect((await verifyItems(await exported(db), bare)).firstBroken)
      .toEqual({ seq: 10, problem: `checkpoint at seq 10 is signed by key ${keys[0]!.kid}, retired by the rotation entry at seq 6` });
    // The new key cannot sign before its range either.
    await db.em().execute("update audit_checkpoint set kid = ? where seq = 5", [keys[1]!.kid]);
    expect((await verifyStoredLog(db)).firstBroken?.problem).toBe(`checkpoint at seq 5 is signed by key ${keys[1]!.kid}, which signs only from seq 7 on`);
  });
});

describe.runIf(await postgresAvailable())("two replicas over one PostgreSQL and a rotation", { tags: ["postgres"] }, () => {
  it("the other replica signs with the new key at once, also while rotations race with its checkpoints", async () => {
    const database = await testDatabase("postgres");
    const box = createSecretBox(randomBytes(32));
    const [a, b] = [await openDatabase({ databaseUrl: database.url }), await openDatabase({ databaseUrl: database.url })];
    try {
      useSecretBox(a, box);
      useSecretBox(b, box);
      await append(a, 2);
      await writeCheckpoint(b);
      const rotation = await rotateAuditKey(a, "alice");
      await append(b, 2);
      expect((await writeCheckpoint(b))!.kid).toBe(rotation.kid);

      // Rotations on one replica while the other appends and checkpoints as fast as it can; each
      // rotation waits for a checkpoint of the other replica since the previous one, so they interleave.
      let rotating = true;
      let checkpoints = 0;
      const churn = (async () => {
        while (rotating) {
          await append(b, 1);
          if (await writeCheckpoint(b)) checkpoints += 1;
        }
      })();
      for (let i = 0; i < 5; i += 1) {
        const seen = checkpoints;
        await eventually("a checkpoint of the other replica", () => checkpoints > seen);
        await rotateAuditKey(a, `rotator-${i}`);
      }
      rotating = false;
      await churn;
      expect(checkpoints).toBeGreaterThanOrEqual(5);
      await append(a, 1);
      await writeCheckpoint(a);
      const keys = await auditPublicKeys(a.em());
      expect(keys).toHaveLength(7);
      expect(keys.filter((key) => key[VALID_TO] === undefined)).toHaveLength(1);
      const report = await verifyStoredLog(a);
      expect(report, report.firstBroken?.problem).toMatchObject({ ok: true });
      expect(report.checkpointsChecked).toBeGreaterThan(7);
    } finally {
      await a.close();
      await b.close();
      await database.close();
    }
  });
});

// The revocation store: what a revocation stores, when it expires, the
// change event written with it, and what the snapshot carries.
import { timestampMs } from "@bufbuild/protobuf/wkt";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readConfigState } from "../../control-plane/snapshot/build-snapshot.js";
import { currentVersion } from "../../control-plane/storage/change-events.js";
import { type Database, openDatabase } from "../../control-plane/storage/database.js";
import {
  createRevocationStore, liveRevocations, type RevocationStore, UnknownTokenError,
} from "../../control-plane/storage/resources/revocations.js";
import { testDatabase, type TestDatabase } from "../support/database.js";

const issuer = "urn:palisade:service-accounts";
const options = { issuer, actor: "admin-token:test", subjectTtlMs: 60_000 };

describe("token revocations", () => {
  let database: TestDatabase;
  let db: Database;
  let store: RevocationStore;

  beforeAll(async () => {
    database = await testDatabase();
    db = await openDatabase({ databaseUrl: database.url });
    store = createRevocationStore(db);
  });

  afterAll(async () => {
    await db?.close();
    await database?.close();
  });

  it("revokes an issued token until its expiry, with a change event in the same transaction", async () => {
    const expireTime = new Date(Date.now() + 3_600_000);
    await store.recordIssued({ jti: "jti-1", subject: "bot", expireTime });
    const before = Number(await currentVersion(db.em()));
    expect(await store.revoke({ jti: "jti-1" }, options)).toBe(true);
    expect(Number(await currentVersion(db.em()))).toBe(before + 1);
    const live = await liveRevocations(db.em(), new Date());
    expect(live).toContainEqual({ jti: "jti-1", subject: undefined, issuedBefore: undefined, issuer, expireTime });
    expect(await liveRevocations(db.em(), new Date(expireTime.getTime() + 1))).toEqual([]);
  });

  it("stores nothing for a token that has already expired, and refuses an unknown jti", async () => {
    await store.recordIssued({ jti: "jti-old", subject: "bot", expireTime: new Date(Date.now() - 1_000) });
    const before = await currentVersion(db.em());
    expect(await store.revoke({ jti: "jti-old" }, options)).toBe(false);
    expect(await currentVersion(db.em())).toBe(before);
    await expect(store.revoke({ jti: "never-issued" }, options)).rejects.toBeInstanceOf(UnknownTokenError);
  });

  it("revokes a subject's tokens issued until now, for the longest token lifetime", async () => {
    const now = Date.now();
    expect(await store.revoke({ subject: "leaver" }, options)).toBe(true);
    const revocation = (await liveRevocations(db.em(), new Date())).find((r) => r.subject === "leaver")!;
    expect(revocation.issuedBefore!.getTime()).toBeGreaterThanOrEqual(now - 1_000);
    expect(revocation.expireTime.getTime() - revocation.issuedBefore!.getTime()).toBe(60_000);
  });

  it("puts the live revocations in the snapshot state", async () => {
    const state = await readConfigState(db, pino({ level: "silent" }));
    const byJti = state.revocations.find((r) => r.jti === "jti-1")!;
    expect(byJti).toMatchObject({ subject: "", issuer });
    const bySubject = state.revocations.find((r) => r.subject === "leaver")!;
    expect(bySubject.jti).toBe("");
    expect(timestampMs(bySubject.issuedBefore!)).toBeLessThan(timestampMs(bySubject.expireTime!));
  });
});

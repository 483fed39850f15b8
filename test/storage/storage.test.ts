// The storage layer on each database flavour: migrations, resources, change events and the
// version derived from them, agents, signing keys, admin tokens. Exchanges: exchanges.test.ts.
import { create } from "@bufbuild/protobuf";
import type { EntityName } from "@mikro-orm/core";
import { describe, expect, it } from "vitest";
import { ConnectionSchema, Kind, Provider, ResourceSchema, ServiceAccountSchema, type Resource } from "../../gen/palisade/admin/v1/resources_pb.js";
import { Outcome } from "../../gen/palisade/admin/v1/resource_service_pb.js";
import { bootstrapAdminToken, createAdminTokenVerifier } from "../../control-plane/auth/admin-tokens.js";
import { createAgentRegistry, createAgentStore } from "../../control-plane/storage/agents.js";
import { currentVersion, recordChange } from "../../control-plane/storage/change-events.js";
import { type Database, openDatabase } from "../../control-plane/storage/database.js";
import { entities } from "../../control-plane/storage/entities.js";
import { migrations } from "../../control-plane/storage/migrations/index.js";
import { InvalidResourceError } from "../../control-plane/storage/resources/resource-kind.js";
import { createResourceStore } from "../../control-plane/storage/resources/resource-store.js";
import { ensureSigningKey, loadSigningKeys } from "../../control-plane/tokens/signing-keys.js";
import { databaseFlavours, useOpenTestDatabase } from "../support/database.js";

function connection(name: string, init: Partial<{ upstream: string; value: string; segments: string[] }> = {}): Resource {
  return create(ResourceSchema, {
    resource: {
      case: "connection",
      value: create(ConnectionSchema, {
        name, provider: Provider.OPENAI, upstream: init.upstream ?? "https://api.example.com",
        credential: init.value === "" ? undefined : { header: "Authorization", value: init.value ?? "Bearer sk-1" },
        segments: init.segments ?? [],
      }),
    },
  });
}

async function count(db: Database, table: string): Promise<number> {
  const rows = await db.em().execute<{ n: string | number }[]>(`select count(*) as n from ${table}`);
  return Number(rows[0]!.n);
}

describe.each(await databaseFlavours())("storage on %s", (flavour) => {
  let db: Database;
  let url: string | undefined;
  useOpenTestDatabase(flavour, (opened) => ({ db, url } = opened));

  it("runs the migrations at open, once", async () => {
    const rows = await db.em().execute<{ name: string }[]>("select name from mikro_orm_migrations");
    expect(rows.map((row) => row.name)).toEqual(migrations.map((migration) => migration.name));
    for (const table of ["connection", "identity_provider", "service_account", "agent", "exchange", "change_event", "signing_key", "admin_token"]) {
      expect(await count(db, table)).toBeGreaterThanOrEqual(0);
    }
    // The entities agree with the migrated schema: the ORM reads every mapped table.
    for (const entity of entities) await db.em().find(entity as EntityName<object>, {}, { limit: 1 });
    if (url) {
      const again = await openDatabase({ databaseUrl: url });  // already migrated: no-op
      await again.close();
    }
  });

  it("applies, reads, lists and deletes resources, never returning the credential", async () => {
    const store = createResourceStore(db);
    const first = await store.apply([connection("alpha"), connection("beta", { segments: ["edge"] })], "test");
    expect(first.map((r) => r.outcome)).toEqual([Outcome.CREATED, Outcome.CREATED]);
    expect((await store.apply([connection("alpha")], "test"))[0]!.outcome).toBe(Outcome.UNCHANGED);
    // No credential on update keeps the stored one, so nothing else changed either.
    expect((await store.apply([connection("alpha", { value: "" })], "test"))[0]!.outcome).toBe(Outcome.UNCHANGED);
    expect((await store.apply([connection("alpha", { upstream: "http://other:8080" })], "test"))[0]!.outcome).toBe(Outcome.UPDATED);

    const got = await store.get(Kind.CONNECTION, "alpha");
    expect(got?.resource.case).toBe("connection");
    const value = got!.resource.value as { upstream: string; credential?: unknown; credentialSet: boolean };
    expect(value.upstream).toBe("http://other:8080");
    expect(value.credential).toBeUndefined();
    expect(value.credentialSet).toBe(true);
    // Sealed at rest (docs/security.md): the plaintext column stays empty.
    const stored = await db.em().execute<{ credential_header: string; credential_value: string | null; credential_sealed: string }[]>(
      "select credential_header, credential_value, credential_sealed from connection where name = 'alpha'");
    expect(stored[0]).toMatchObject({ credential_header: "authorization", credential_value: null });
    expect(stored[0]!.credential_sealed).toMatch(/^v1\./);
    expect(stored[0]!.credential_sealed).not.toContain("sk-1");

    const names = (await store.list(Kind.CONNECTION)).map((r) => r.resource.value?.name);
    expect(names).toEqual(["alpha", "beta"]);
    expect(await store.remove(Kind.CONNECTION, "beta", "test")).toBe(true);
    expect(await store.remove(Kind.CONNECTION, "beta", "test")).toBe(false);
    expect(await store.get(Kind.CONNECTION, "beta")).toBeUndefined();
  });

  it("applies all or nothing", async () => {
    const store = createResourceStore(db);
    const before = await currentVersion(db.em());
    const account = create(ResourceSchema, { resource: { case: "serviceAccount", value: create(ServiceAccountSchema, { name: "ci", groups: ["bots"] }) } });
    // The second connection is new and has no credential: the whole apply fails.
    await expect(store.apply([account, connection("gamma", { value: "" })], "test")).rejects.toBeInstanceOf(InvalidResourceError);
    expect(await store.get(Kind.SERVICE_ACCOUNT, "ci")).toBeUndefined();
    expect(await currentVersion(db.em())).toBe(before);
  });

  it("writes a change event per change in the same transaction; the version is the highest id", async () => {
    const store = createResourceStore(db);
    const events = await count(db, "change_event");
    await store.apply([connection("delta"), connection("alpha", { upstream: "http://other:8080" })], "someone");  // alpha unchanged
    expect(await count(db, "change_event")).toBe(events + 1);
    const rows = await db.em().execute<{ id: string | number; kind: string; name: string; action: string; actor: string }[]>(
      "select id, kind, name, action, actor from change_event order by id desc limit 1");
    expect(rows[0]).toMatchObject({ kind: "connection", name: "delta", action: "create", actor: "someone" });
    expect(await currentVersion(db.em())).toBe(String(rows[0]!.id));

    // A transaction that fails after recording its change leaves neither row nor version behind.
    const version = await currentVersion(db.em());
    await expect(db.transaction(async (tx) => {
      await recordChange(tx, { kind: "connection", name: "zeta", action: "create", actor: "x" });
      throw new Error("abort");
    })).rejects.toThrow("abort");
    expect(await currentVersion(db.em())).toBe(version);
  });

  it("enrols agents with hashed tokens and records their stream state", async () => {
    const agents = createAgentStore(db);
    const registry = createAgentRegistry(db);
    const { token } = await agents.enrol("edge-1", "edge", false, "test");
    expect(token).toMatch(/^edge-1\.[A-Za-z0-9_-]{43}$/);
    const hashes = await db.em().execute<{ token_hash: string }[]>("select token_hash from agent where name = 'edge-1'");
    expect(hashes[0]!.token_hash).not.toContain(token.split(".")[1]);
    expect(await registry.authenticate(token)).toEqual({ name: "edge-1", segment: "edge" });
    expect(await registry.authenticate(`${token}x`)).toBeUndefined();
    expect(await registry.authenticate("nobody.secret")).toBeUndefined();
    expect(await registry.authenticate("no-dot")).toBeUndefined();
    await expect(agents.enrol("edge-1", "", false, "test")).rejects.toThrow(/already exists/);

    const rotated = await agents.enrol("edge-1", "", true, "test");
    expect(await registry.authenticate(token)).toBeUndefined();
    expect(await registry.authenticate(rotated.token)).toBeDefined();

    const key = { agent: "edge-1", instance: "pod-a/7", stream: "s1" };
    await registry.connected(key, { version: "1.2.3", segment: "edge", lastSnapshotVersion: "5" });
    expect((await agents.get("edge-1"))!.instances).toMatchObject([{ instance: "pod-a/7", connected: true, appliedVersion: "5" }]);
    await registry.applied(key, "7", "");
    await registry.applied(key, "7", "bad snapshot");
    let agent = await agents.get("edge-1");
    expect(agent).toMatchObject({ segment: "edge", instances: [{ instance: "pod-a/7", connected: true, version: "1.2.3", appliedVersion: "7", lastError: "bad snapshot" }] });
    expect(agent!.instances[0]!.lastSeen).toBeInstanceOf(Date);
    // A second instance of the same agent has a row of its own.
    const other = { agent: "edge-1", instance: "pod-b/7", stream: "s2" };
    await registry.connected(other, { version: "1.2.4", segment: "edge", lastSnapshotVersion: "" });
    await registry.applied(key, "8", "");
    await registry.disconnected(key);
    agent = await agents.get("edge-1");
    expect(agent!.instances).toMatchObject([
      { instance: "pod-b/7", connected: true, version: "1.2.4", appliedVersion: "" },
      { instance: "pod-a/7", connected: false, appliedVersion: "8", lastError: "" },
    ]);
    // pod-b reconnected through another stream: the old stream's writes change nothing.
    await registry.connected({ ...other, stream: "s3" }, { version: "1.2.4", segment: "edge", lastSnapshotVersion: "8" });
    await registry.applied(other, "1", "late");
    await registry.disconnected(other);
    expect((await agents.get("edge-1"))!.instances[0]).toMatchObject({ instance: "pod-b/7", connected: true, appliedVersion: "8", lastError: "" });
    expect(await agents.remove("edge-1", "test")).toBe(true);
    expect(await registry.authenticate(rotated.token)).toBeUndefined();
  });

  it("creates one signing key however often it is asked", async () => {
    await Promise.all([ensureSigningKey(db), ensureSigningKey(db)]);
    await ensureSigningKey(db);
    const keys = await loadSigningKeys(db.em());
    expect(keys).toHaveLength(1);
    expect(keys[0]!.publicJwk).toMatchObject({ kty: "EC", crv: "P-256" });
    expect(keys[0]!.publicJwk).not.toHaveProperty("d");
  });

  it("generates the admin token once and lets a given one replace it", async () => {
    const verify = createAdminTokenVerifier(db);
    const generated = await bootstrapAdminToken(db, undefined);
    expect(generated).toMatch(/^pat_[A-Za-z0-9_-]{43}$/);
    expect(await bootstrapAdminToken(db, undefined)).toBeUndefined();
    expect(await verify(generated!)).toBe("bootstrap");
    expect(await bootstrapAdminToken(db, "pat_given")).toBeUndefined();
    expect(await verify("pat_given")).toBe("bootstrap");
    expect(await verify(generated!)).toBeUndefined();
  });

  it("settles control planes bootstrapping at once: one generated token, given tokens upserted", async () => {
    const verify = createAdminTokenVerifier(db);
    await db.transaction((tx) => tx.execute("delete from admin_token"));
    const generated = (await Promise.all([1, 2, 3].map(() => bootstrapAdminToken(db, undefined)))).filter((token) => token !== undefined);
    expect(generated).toHaveLength(1);
    expect(await verify(generated[0]!)).toBe("bootstrap");
    await db.transaction((tx) => tx.execute("delete from admin_token"));
    await Promise.all([bootstrapAdminToken(db, "pat_same"), bootstrapAdminToken(db, "pat_same")]);
    expect(await verify("pat_same")).toBe("bootstrap");
  });
});

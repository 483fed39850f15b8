// The snapshot cache on each flavour: what goes into a segment's snapshot, rebuilds after commits
// (and, through the safety poll, after changes it was not told about), broken connections left out.
import { create } from "@bufbuild/protobuf";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectionSchema, IdentityProviderSchema, Provider, ResourceSchema, type Resource } from "../../gen/palisade/admin/v1/resources_pb.js";
import { type SnapshotCache, startSnapshotCache } from "../../control-plane/snapshot/snapshot-cache.js";
import { currentVersion } from "../../control-plane/storage/change-events.js";
import type { Database } from "../../control-plane/storage/database.js";
import { createResourceStore } from "../../control-plane/storage/resources/resource-store.js";
import { ensureSigningKey } from "../../control-plane/tokens/signing-keys.js";
import { databaseFlavours, openTestDatabase } from "../support/database.js";
import { eventually } from "../support/eventually.js";

const logger = pino({ level: "silent" });

function connection(name: string, segments: string[] = []): Resource {
  return create(ResourceSchema, {
    resource: {
      case: "connection",
      value: create(ConnectionSchema, {
        name, provider: Provider.ANTHROPIC, upstream: "https://api.example.com",
        credential: { header: "x-api-key", value: `key-${name}` }, segments,
      }),
    },
  });
}

describe.each(await databaseFlavours())("snapshot cache on %s", (flavour) => {
  let opened: Awaited<ReturnType<typeof openTestDatabase>>;
  let db: Database;
  let cache: SnapshotCache;

  beforeAll(async () => {
    opened = await openTestDatabase(flavour);
    db = opened.db;
    await ensureSigningKey(db);
    cache = await startSnapshotCache({ db, logger, pollIntervalMs: 50 });
  });
  afterAll(async () => {
    await cache?.close();
    await opened?.close();
  });

  it("starts at the database's version with the service-account issuer and its JWKS", async () => {
    expect(cache.version()).toBe(await currentVersion(db.em()));
    const snapshot = cache.current("");
    expect(snapshot.version).toBe(cache.version());
    expect(snapshot.nonce).toBe("");
    const own = snapshot.issuers.find((issuer) => issuer.name === "palisade");
    expect(own).toMatchObject({ issuer: "urn:palisade:service-accounts", audience: "palisade", groupsClaim: "groups" });
    const jwks = JSON.parse(own!.jwks) as { keys: Array<Record<string, string>> };
    expect(jwks.keys[0]).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
    expect(jwks.keys[0]).not.toHaveProperty("d");
  });

  it("rebuilds after a commit and serves each segment its connections", async () => {
    let calls = 0;
    const stop = cache.watch(() => { calls += 1; });
    const idp = create(ResourceSchema, {
      resource: { case: "identityProvider", value: create(IdentityProviderSchema, { name: "okta", issuer: "https://id.example.com", audience: "palisade" }) },
    });
    await createResourceStore(db).apply([connection("everywhere"), connection("edge-only", ["edge"]), idp], "test");
    const version = await currentVersion(db.em());
    await eventually("the rebuild", () => cache.version() === version);
    expect(calls).toBeGreaterThan(0);
    stop();

    const edge = cache.current("edge");
    expect(edge.connections.map((c) => c.name)).toEqual(["edge-only", "everywhere"]);
    expect(edge.connections[0]!.credential).toMatchObject({ header: "x-api-key", value: "key-edge-only" });
    expect(cache.current("core").connections.map((c) => c.name)).toEqual(["everywhere"]);
    expect(cache.current("").issuers.map((i) => i.name)).toEqual(["okta", "palisade"]);
    expect(cache.current("edge")).toBe(edge);  // built once per version, shared by every stream
    expect(Object.isFrozen(edge)).toBe(true);
  });

  it("leaves a broken connection out instead of publishing it", async () => {
    // Written behind the API's back, as a bad migration or manual edit might.
    await db.transaction(async (tx) => {
      await tx.execute("insert into connection (name, provider, upstream, segments) values ('broken', 'openai', 'https://x', '[]')");
      await tx.execute("insert into change_event (kind, name, action, actor) values ('connection', 'broken', 'create', 'psql')");
    });
    // No notification was sent for this change: the safety poll finds it.
    const version = await currentVersion(db.em());
    await eventually("the poll to notice", () => cache.version() === version);
    expect(cache.current("").connections.map((c) => c.name)).toEqual(["everywhere"]);
  });
});

// The start-up sealing step on its own: idempotent, and refusing a second key.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSecretBox } from "../../control-plane/crypto/secret-box.js";
import { useSecretBox } from "../../control-plane/crypto/secret-registry.js";
import { sealStoredSecrets, WrongSecretKeyError } from "../../control-plane/crypto/stored-secrets.js";
import { type Database, openDatabase } from "../../control-plane/storage/database.js";
import { loadSigningKeys } from "../../control-plane/tokens/signing-keys.js";
import { testDatabase, type TestDatabase } from "../support/database.js";

describe("sealStoredSecrets", () => {
  let database: TestDatabase;
  let db: Database;
  const box = createSecretBox(randomBytes(32));
  beforeAll(async () => {
    database = await testDatabase();
    db = await openDatabase({ databaseUrl: database.url });
    useSecretBox(db, box);
  });
  afterAll(async () => {
    await db?.close();
    await database?.close();
  });

  it("seals plaintext once, leaves sealed values alone, and refuses another key", async () => {
    const jwk = { kty: "EC", crv: "P-256", x: "x", y: "y", d: "private-part" };
    await db.em().execute(`insert into connection (name, provider, upstream, credential_header, credential_value, segments)
      values ('old', 'openai', 'https://api.openai.com', 'authorization', 'Bearer sk-old', '[]')`);
    await db.em().execute("insert into signing_key (kid, private_jwk, public_jwk) values ('k-old', ?, '{}')", [JSON.stringify(jwk)]);
    expect(await sealStoredSecrets(db, box)).toEqual({ sealed: 2, resealed: 0 });
    expect(await sealStoredSecrets(db, box)).toEqual({ sealed: 0, resealed: 0 });
    const [row] = await db.em().execute<{ credential_value: string | null; credential_sealed: string }[]>(
      "select credential_value, credential_sealed from connection where name = 'old'");
    expect(row!.credential_value).toBeNull();
    expect(box.open(row!.credential_sealed)).toBe("Bearer sk-old");
    expect((await loadSigningKeys(db.em())).find((key) => key.kid === "k-old")?.privateJwk).toEqual(jwk);
    await expect(sealStoredSecrets(db, createSecretBox(randomBytes(32)))).rejects.toBeInstanceOf(WrongSecretKeyError);
  });
});

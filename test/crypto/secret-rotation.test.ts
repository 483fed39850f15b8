// Rotation of the secret key at the storage level, on PGlite and PostgreSQL: values sealed with the
// previous key are re-sealed at start and stay readable, a wrong or missing previous key stops the
// start with a clear error and changes nothing, and (PostgreSQL) two replicas mid-rollout — one
// still sealing with the old key, one switched — each read what the other sealed.
import { randomBytes } from "node:crypto";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { createSecretBox, type SecretBox } from "../../control-plane/crypto/secret-box.js";
import { secretBox, useSecretBox } from "../../control-plane/crypto/secret-registry.js";
import { SEALED_COLUMNS, UnheldSecretKeyError } from "../../control-plane/crypto/reseal-secrets.js";
import { sealStoredSecrets, WrongSecretKeyError } from "../../control-plane/crypto/stored-secrets.js";
import { readConfigState } from "../../control-plane/snapshot/build-snapshot.js";
import { type Database, openDatabase } from "../../control-plane/storage/database.js";
import { ensureSigningKey, loadSigningKeys } from "../../control-plane/tokens/signing-keys.js";
import { databaseFlavours, postgresAvailable, testDatabase, useOpenTestDatabase } from "../support/database.js";

const logger = pino({ level: "silent" });
const oldKey = randomBytes(32);
const newKey = randomBytes(32);
const oldBox = createSecretBox(oldKey);
const newBox = createSecretBox(newKey);
const rotating = createSecretBox(newKey, [oldKey]);   // PALISADE_SECRET_KEY=new, _PREVIOUS=old
const announcing = createSecretBox(oldKey, [newKey]); // PALISADE_SECRET_KEY=old, _NEXT=new

/** Adds a connection whose credential `box` seals, as the connection store does. */
async function addConnection(db: Database, name: string, box: SecretBox): Promise<void> {
  await db.em().execute(`insert into connection (name, provider, upstream, credential_header, credential_sealed, segments)
    values (?, 'openai', 'https://api.openai.com', 'authorization', ?, '[]')`, [name, box.seal(`Bearer sk-${name}`)]);
}

/** The key id of every sealed value, by row. */
async function sealedKeyIds(db: Database): Promise<string[]> {
  const rows = await db.em().execute<{ value: string }[]>(
    "select credential_sealed as value from connection union all select private_jwk_sealed from signing_key");
  return rows.map((row) => oldBox.keyIdOf(row.value)!);
}

async function credentials(db: Database): Promise<string[]> {
  const state = await readConfigState(db, logger);
  return state.connections.map((served) => served.connection.credential!.value).sort();
}

describe.each(await databaseFlavours())("secret key rotation on %s", (flavour) => {
  let db: Database;
  useOpenTestDatabase(flavour, (opened) => { db = opened.db; });

  it("re-seals the previous key's values with the new key, refusing a missing or wrong previous key first", async () => {
    useSecretBox(db, oldBox);
    await sealStoredSecrets(db, oldBox);
    await addConnection(db, "alpha", oldBox);
    await ensureSigningKey(db);
    const signingKey = (await loadSigningKeys(db.em()))[0]!.privateJwk;

    await expect(sealStoredSecrets(db, newBox)).rejects.toThrow(/not the key this database's secrets were sealed with .*PALISADE_SECRET_KEY_PREVIOUS/);
    const wrong = createSecretBox(newKey, [randomBytes(32)]);
    await expect(sealStoredSecrets(db, wrong, wrong.keyIds[1])).rejects.toThrow(/previous key given .* must be that key/);
    expect(new Set(await sealedKeyIds(db))).toEqual(new Set([oldBox.keyId]));  // refusals changed nothing

    useSecretBox(db, rotating);
    expect(await sealStoredSecrets(db, rotating, oldBox.keyId)).toEqual({ sealed: 0, resealed: 2 });
    expect(new Set(await sealedKeyIds(db))).toEqual(new Set([newBox.keyId]));
    const checks = await db.em().execute<{ key_id: string }[]>("select key_id from secret_key_check");
    expect(checks.map((row) => row.key_id)).toEqual([newBox.keyId]);

    // Once switched, the new key alone opens everything, and the old one alone is refused.
    useSecretBox(db, newBox);
    expect(await sealStoredSecrets(db, newBox)).toEqual({ sealed: 0, resealed: 0 });
    expect(await credentials(db)).toEqual(["Bearer sk-alpha"]);
    expect((await loadSigningKeys(db.em()))[0]!.privateJwk).toEqual(signingKey);
    await expect(sealStoredSecrets(db, oldBox)).rejects.toBeInstanceOf(WrongSecretKeyError);
  });

  it("re-seals every sealed column of the schema (a new one must join SEALED_COLUMNS)", async () => {
    const columns = await db.em().execute<{ at: string }[]>(`select table_name || '.' || column_name as at
      from information_schema.columns where table_schema = current_schema() and column_name like '%sealed'
        and table_name <> 'secret_key_check' order by 1`);
    expect(columns.map((row) => row.at)).toEqual(SEALED_COLUMNS.map((at) => `${at.table}.${at.column}`).sort());
  });

  it("refuses to start over a value sealed with a key it does not hold, naming the row, until that key is given", async () => {
    await addConnection(db, "straggler", oldBox);  // as a replica still on the old key would
    await expect(sealStoredSecrets(db, newBox)).rejects.toThrow(UnheldSecretKeyError);
    await expect(sealStoredSecrets(db, newBox)).rejects.toThrow(new RegExp(`key ${oldBox.keyId}: connection straggler: give that key as PALISADE_SECRET_KEY_PREVIOUS`));
    expect(await sealStoredSecrets(db, rotating, oldBox.keyId)).toEqual({ sealed: 0, resealed: 1 });
    useSecretBox(db, newBox);
    expect(await credentials(db)).toEqual(["Bearer sk-alpha", "Bearer sk-straggler"]);
  });
});

describe.runIf(await postgresAvailable())("two replicas rolling the key over one PostgreSQL", { tags: ["postgres"] }, () => {
  it("a replica still sealing with the old key and a switched one each read what the other sealed", async () => {
    const database = await testDatabase("postgres");
    const before = await openDatabase({ databaseUrl: database.url });
    const after = await openDatabase({ databaseUrl: database.url });
    try {
      useSecretBox(before, oldBox);
      await sealStoredSecrets(before, oldBox);
      await addConnection(before, "first", oldBox);

      // Step 1: every replica learns the new key, still sealing with the old one.
      useSecretBox(before, announcing);
      expect(await sealStoredSecrets(before, announcing)).toEqual({ sealed: 0, resealed: 0 });
      // Step 2: one replica switches: it re-seals everything with the new key.
      useSecretBox(after, rotating);
      expect(await sealStoredSecrets(after, rotating, oldBox.keyId)).toEqual({ sealed: 0, resealed: 1 });
      // The replica not yet switched reads the re-sealed value and keeps sealing with the old key ...
      expect(await credentials(before)).toEqual(["Bearer sk-first"]);
      await addConnection(before, "second", secretBox(before.em()));
      // ... which the switched replica reads too.
      expect(await credentials(after)).toEqual(["Bearer sk-first", "Bearer sk-second"]);
      // A restart of the not-yet-switched replica is accepted (it holds the new key) ...
      expect(await sealStoredSecrets(before, announcing)).toEqual({ sealed: 0, resealed: 0 });
      // ... one with the old key alone is refused.
      await expect(sealStoredSecrets(before, oldBox)).rejects.toBeInstanceOf(WrongSecretKeyError);
      // Step 3: the switched replica's next start re-seals what was sealed meanwhile.
      expect(await sealStoredSecrets(after, rotating, oldBox.keyId)).toEqual({ sealed: 0, resealed: 1 });
      expect(new Set(await sealedKeyIds(after))).toEqual(new Set([newBox.keyId]));
    } finally {
      await before.close();
      await after.close();
      await database.close();
    }
  });
});

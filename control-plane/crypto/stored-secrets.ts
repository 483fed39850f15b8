// Runs right after migrations, before anything reads a secret: refuses a key that is not the one
// the stored secrets were sealed with, then seals any plaintext left by older versions. Both steps
// are idempotent and serialised between replicas by an advisory lock.
import type { EntityManager } from "@mikro-orm/sql";
import type { Database } from "../storage/database.js";
import type { SecretBox } from "./secret-box.js";
import { SecretKeyError } from "./secret-key.js";

// Arbitrary constant naming the advisory lock of this step among PostgreSQL advisory locks.
const SEAL_LOCK = 7_300_005;
const CHECK_TEXT = "palisade secret key check";

/** The configured key is not the one the database's secrets were sealed with. */
export class WrongSecretKeyError extends SecretKeyError {}

/** Checks the key against the database and seals plaintext credentials and private keys. */
export async function sealStoredSecrets(db: Database, box: SecretBox): Promise<{ sealed: number }> {
  return db.em().transactional(async (tx) => {
    const em = tx as EntityManager;
    await em.execute("select pg_advisory_xact_lock(?)", [SEAL_LOCK]);
    await checkKey(em, box);
    let sealed = 0;
    const credentials = await em.execute<{ name: string; credential_value: string }[]>(
      "select name, credential_value from connection where credential_value is not null",
    );
    for (const row of credentials) {
      await em.execute("update connection set credential_sealed = ?, credential_value = null where name = ?",
        [box.seal(row.credential_value), row.name]);
      sealed += 1;
    }
    const keys = await em.execute<{ kid: string; private_jwk: unknown }[]>(
      "select kid, private_jwk from signing_key where private_jwk is not null",
    );
    for (const row of keys) {
      // jsonb comes back parsed from pg and PGlite alike; a string would be JSON text already.
      const json = typeof row.private_jwk === "string" ? row.private_jwk : JSON.stringify(row.private_jwk);
      await em.execute("update signing_key set private_jwk_sealed = ?, private_jwk = null where kid = ?",
        [box.seal(json), row.kid]);
      sealed += 1;
    }
    return { sealed };
  });
}

async function checkKey(em: EntityManager, box: SecretBox): Promise<void> {
  const rows = await em.execute<{ key_id: string; sealed: string }[]>("select key_id, sealed from secret_key_check");
  const mine = rows.find((row) => row.key_id === box.keyId);
  if (!mine && rows.length > 0) {
    throw new WrongSecretKeyError(
      `the secret key (id ${box.keyId}) is not the key this database's secrets were sealed with `
        + `(id ${rows.map((row) => row.key_id).join(", ")}): set PALISADE_SECRET_KEY (or restore ${"`secret.key`"} in the data directory) to that key`,
    );
  }
  if (mine) {
    let opened: string | undefined;
    try {
      opened = box.open(mine.sealed);
    } catch {
      // reported below
    }
    if (opened !== CHECK_TEXT) throw new WrongSecretKeyError(`the secret key check value for key ${box.keyId} does not open: the table secret_key_check is damaged`);
    return;
  }
  await em.execute("insert into secret_key_check (key_id, sealed) values (?, ?)", [box.keyId, box.seal(CHECK_TEXT)]);
}

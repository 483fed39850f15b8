// Runs right after migrations, before anything reads a secret: refuses a key that is not the one
// the stored secrets were sealed with, seals any plaintext left by older versions, and — during a
// rotation — re-seals with the current key every value sealed with the previous one. It refuses to
// start when a value is sealed with a key the control plane does not hold, rather than leave it
// unreadable. All steps are idempotent and serialised between replicas by an advisory lock.
import type { EntityManager } from "@mikro-orm/sql";
import type { Database } from "../storage/database.js";
import type { SecretBox } from "./secret-box.js";
import { SecretKeyError } from "./secret-key.js";
import { resealStoredSecrets } from "./reseal-secrets.js";

// Arbitrary constant naming the advisory lock of this step among PostgreSQL advisory locks.
const SEAL_LOCK = 7_300_005;
const CHECK_TEXT = "palisade secret key check";

/** The configured key is not the one the database's secrets were sealed with. */
export class WrongSecretKeyError extends SecretKeyError {}

/** What the start-up step did. */
export interface SealOutcome {
  /** Plaintext values sealed (left by versions before encryption at rest). */
  sealed: number;
  /** Values re-sealed from the previous key to the current one. */
  resealed: number;
}

/**
 * Checks the key against the database, seals plaintext credentials and private keys, and re-seals
 * values of `previousKeyId` (a key of `box`'s ring being rotated away from) with `box`'s primary key.
 */
export async function sealStoredSecrets(db: Database, box: SecretBox, previousKeyId?: string): Promise<SealOutcome> {
  return db.em().transactional(async (tx) => {
    const em = tx as EntityManager;
    await em.execute("select pg_advisory_xact_lock(?)", [SEAL_LOCK]);
    await checkKey(em, box, previousKeyId);
    const sealed = await sealPlaintext(em, box);
    const resealed = await resealStoredSecrets(em, box, previousKeyId);
    if (previousKeyId !== undefined) {
      // The rotation is done for this database: the check value now names the new key, so a
      // replica started with the old key alone is refused rather than sealing with it.
      await em.execute("delete from secret_key_check where key_id = ?", [previousKeyId]);
      await em.execute("insert into secret_key_check (key_id, sealed) values (?, ?) on conflict (key_id) do nothing",
        [box.keyId, box.seal(CHECK_TEXT)]);
    }
    return { sealed, resealed };
  });
}

async function sealPlaintext(em: EntityManager, box: SecretBox): Promise<number> {
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
  return sealed;
}

// Accepts the ring when one of its keys has a check value that opens (a fresh database gets one
// for the primary key); a check value of a held key that does not open means the table is damaged.
async function checkKey(em: EntityManager, box: SecretBox, previousKeyId: string | undefined): Promise<void> {
  const rows = await em.execute<{ key_id: string; sealed: string }[]>("select key_id, sealed from secret_key_check");
  if (rows.length === 0) {
    await em.execute("insert into secret_key_check (key_id, sealed) values (?, ?)", [box.keyId, box.seal(CHECK_TEXT)]);
    return;
  }
  const held = rows.filter((row) => box.keyIds.includes(row.key_id));
  for (const row of held) {
    let opened: string | undefined;
    try {
      opened = box.open(row.sealed);
    } catch {
      // reported below
    }
    if (opened !== CHECK_TEXT) throw new WrongSecretKeyError(`the secret key check value for key ${row.key_id} does not open: the table secret_key_check is damaged`);
  }
  if (held.length > 0) return;
  const stored = rows.map((row) => row.key_id).join(", ");
  const given = box.keyIds.join(" and ");
  throw new WrongSecretKeyError(
    `the secret key (id ${given}) is not the key this database's secrets were sealed with (id ${stored}): `
      + (previousKeyId === undefined
        ? "set PALISADE_SECRET_KEY (or restore `secret.key` in the data directory) to that key, or — to rotate to this key — "
          + "give that key as PALISADE_SECRET_KEY_PREVIOUS (or `secret.key.previous` in the data directory)"
        : "the previous key given (PALISADE_SECRET_KEY_PREVIOUS or `secret.key.previous`) must be that key"),
  );
}

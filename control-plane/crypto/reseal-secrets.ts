// Every sealed column of the schema, walked at start: values of the previous key (during a
// rotation) are re-sealed with the current one, and a value no key of the ring opens stops the
// start with the rows it concerns — never left behind to fail later, never dropped.
import type { EntityManager } from "@mikro-orm/sql";
import type { SecretBox } from "./secret-box.js";
import { SecretKeyError } from "./secret-key.js";

/** A column holding sealed values, and the column naming its row. */
interface SealedColumn {
  table: string;
  id: string;
  column: string;
}

/** Every sealed column; a new one must be listed here to take part in rotations. */
export const SEALED_COLUMNS: readonly SealedColumn[] = [
  { table: "connection", id: "name", column: "credential_sealed" },
  { table: "signing_key", id: "kid", column: "private_jwk_sealed" },
  { table: "audit_signing_key", id: "kid", column: "private_jwk_sealed" },
  { table: "audit_sink", id: "name", column: "secret_sealed" },
];

/** Stored values are sealed with a key the control plane was not given. */
export class UnheldSecretKeyError extends SecretKeyError {}

/** Re-seals the values of `previousKeyId` with `box`'s primary key; refuses values of keys outside the ring. */
export async function resealStoredSecrets(em: EntityManager, box: SecretBox, previousKeyId: string | undefined): Promise<number> {
  const unheld = new Map<string, string[]>();
  const toReseal: Array<{ at: SealedColumn; id: string; value: string }> = [];
  for (const at of SEALED_COLUMNS) {
    const rows = await em.execute<{ id: string; value: string }[]>(
      `select ${at.id} as id, ${at.column} as value from ${at.table} where ${at.column} is not null`,
    );
    for (const row of rows) {
      const keyId = box.keyIdOf(row.value) ?? "(not a sealed value)";
      if (keyId === previousKeyId) toReseal.push({ at, id: row.id, value: row.value });
      else if (!box.keyIds.includes(keyId)) unheld.set(keyId, [...unheld.get(keyId) ?? [], `${at.table} ${row.id}`]);
    }
  }
  if (unheld.size > 0) {
    const list = [...unheld].map(([keyId, rows]) => `key ${keyId}: ${rows.slice(0, 5).join(", ")}${rows.length > 5 ? ` and ${rows.length - 5} more` : ""}`);
    throw new UnheldSecretKeyError(
      `stored secrets are sealed with a key this control plane does not hold (it holds ${box.keyIds.join(", ")}) — ${list.join("; ")}: `
        + "give that key as PALISADE_SECRET_KEY_PREVIOUS (or `secret.key.previous` in the data directory) so they are re-sealed, then drop it",
    );
  }
  for (const { at, id, value } of toReseal) {
    await em.execute(`update ${at.table} set ${at.column} = ? where ${at.id} = ?`, [box.seal(box.open(value)), id]);
  }
  return toReseal.length;
}

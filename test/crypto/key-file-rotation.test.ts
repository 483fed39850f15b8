// Rotating the key file of the quickstart (`<data-dir>/secret.key`, embedded database): moving it
// to `secret.key.previous` and starting again creates a new key and re-seals every stored secret
// with it; a start with a key that opens nothing is refused and changes nothing.
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startControlPlane } from "../../control-plane/control-plane.js";
import { createSecretBox } from "../../control-plane/crypto/secret-box.js";
import { decodeSecretKey, PREVIOUS_SECRET_KEY_FILE, SECRET_KEY_FILE } from "../../control-plane/crypto/secret-key.js";
import { useSecretBox } from "../../control-plane/crypto/secret-registry.js";
import { SEALED_COLUMNS } from "../../control-plane/crypto/reseal-secrets.js";
import { openDatabase } from "../../control-plane/storage/database.js";
import { loadSigningKeys } from "../../control-plane/tokens/signing-keys.js";

const keyFile = async (path: string) => decodeSecretKey(await readFile(path, "utf8"), path);

/** The key ids of every sealed value in the embedded database of `dataDir`, and whether `key` opens the signing keys. */
async function inspect(dataDir: string, key: Buffer): Promise<{ keyIds: Set<string>; signingKeys: number }> {
  const db = await openDatabase({ dataDir });
  try {
    const box = createSecretBox(key);
    useSecretBox(db, box);
    const keyIds = new Set<string>();
    for (const at of SEALED_COLUMNS) {
      const rows = await db.em().execute<{ value: string }[]>(`select ${at.column} as value from ${at.table} where ${at.column} is not null`);
      for (const row of rows) keyIds.add(box.keyIdOf(row.value)!);
    }
    return { keyIds, signingKeys: (await loadSigningKeys(db.em())).length };
  } finally {
    await db.close();
  }
}

describe("rotating <data-dir>/secret.key", () => {
  let dataDir: string;
  beforeAll(async () => { dataDir = await mkdtemp(join(tmpdir(), "palisade-rotate-")); });
  afterAll(async () => { await rm(dataDir, { recursive: true, force: true }); });
  const start = () => startControlPlane({ listen: "127.0.0.1:0", dataDir, adminToken: "pat_rotate" });

  it("re-seals with a new key file once the old one is moved to secret.key.previous", async () => {
    await (await start()).close();
    const oldKey = await keyFile(join(dataDir, SECRET_KEY_FILE));
    const sealedBefore = await inspect(dataDir, oldKey);
    expect(sealedBefore.keyIds).toEqual(new Set([createSecretBox(oldKey).keyId]));

    await rename(join(dataDir, SECRET_KEY_FILE), join(dataDir, PREVIOUS_SECRET_KEY_FILE));
    await (await start()).close();
    const newKey = await keyFile(join(dataDir, SECRET_KEY_FILE));
    expect(newKey.equals(oldKey)).toBe(false);
    expect((await stat(join(dataDir, SECRET_KEY_FILE))).mode & 0o777).toBe(0o600);
    const sealedAfter = await inspect(dataDir, newKey);
    expect(sealedAfter.keyIds).toEqual(new Set([createSecretBox(newKey).keyId]));
    expect(sealedAfter.signingKeys).toBe(sealedBefore.signingKeys);

    // The previous file is no longer needed: a start without it works.
    await rm(join(dataDir, PREVIOUS_SECRET_KEY_FILE));
    await (await start()).close();
  }, 180_000);  // four starts of an embedded database on disk: slow on a loaded machine

  it("refuses a key file that opens nothing, naming the way out, and leaves the data as it was", async () => {
    const current = await keyFile(join(dataDir, SECRET_KEY_FILE));
    await writeFile(join(dataDir, SECRET_KEY_FILE), `${randomBytes(32).toString("base64")}\n`);
    await expect(start()).rejects.toThrow(/not the key this database's secrets were sealed with .*secret\.key\.previous/);
    expect((await inspect(dataDir, current)).keyIds).toEqual(new Set([createSecretBox(current).keyId]));
  }, 60_000);
});

import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PREVIOUS_SECRET_KEY_FILE, resolveSecretKey, SecretKeyError } from "./secret-key.js";

describe("resolveSecretKey", () => {
  let dir: string;
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), "palisade-key-")); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  it("prefers the given key", async () => {
    const key = randomBytes(32);
    const resolved = await resolveSecretKey({ secretKey: key.toString("base64"), dataDir: dir, databaseUrl: "postgres://x" });
    expect(resolved.source).toBe("given");
    expect(resolved.key.equals(key)).toBe(true);
  });

  it("refuses a given key that is not 32 bytes of base64", async () => {
    await expect(resolveSecretKey({ secretKey: "short" })).rejects.toThrow(/PALISADE_SECRET_KEY must be the base64 of 32/);
    await expect(resolveSecretKey({ secretKey: randomBytes(16).toString("base64") })).rejects.toBeInstanceOf(SecretKeyError);
  });

  it("creates the key file mode 0600 once, then reads it back", async () => {
    const first = await resolveSecretKey({ dataDir: join(dir, "data") });
    expect(first.source).toBe("file");
    expect((await stat(first.path!)).mode & 0o777).toBe(0o600);
    const second = await resolveSecretKey({ dataDir: join(dir, "data") });
    expect(second.key.equals(first.key)).toBe(true);
    expect((await readFile(first.path!, "utf8")).trim()).toBe(first.key.toString("base64"));
  });

  it("refuses a damaged key file", async () => {
    await writeFile(join(dir, "secret.key"), "not a key\n");
    await expect(resolveSecretKey({ dataDir: dir })).rejects.toThrow(/key file .* must be the base64/);
  });

  it("uses an ephemeral key in memory, and refuses PostgreSQL without a key", async () => {
    expect((await resolveSecretKey({})).source).toBe("ephemeral");
    await expect(resolveSecretKey({ databaseUrl: "postgres://db" })).rejects.toThrow(/set PALISADE_SECRET_KEY .* every replica must be given the same key/);
  });

  it("takes the rotation's other key from the environment or from secret.key.previous", async () => {
    const [key, other] = [randomBytes(32), randomBytes(32)];
    const previous = await resolveSecretKey({ secretKey: key.toString("base64"), secretKeyPrevious: other.toString("base64") });
    expect(previous.other).toMatchObject({ role: "previous", from: "PALISADE_SECRET_KEY_PREVIOUS" });
    expect(previous.other!.key.equals(other)).toBe(true);
    const next = await resolveSecretKey({ secretKey: key.toString("base64"), secretKeyNext: other.toString("base64") });
    expect(next.other?.role).toBe("next");
    const fileDir = join(dir, "rotated");
    const first = await resolveSecretKey({ dataDir: fileDir });
    expect(first.other).toBeUndefined();
    await writeFile(join(fileDir, PREVIOUS_SECRET_KEY_FILE), `${other.toString("base64")}\n`);
    const rotated = await resolveSecretKey({ dataDir: fileDir });
    expect(rotated.other?.role).toBe("previous");
    expect(rotated.other!.key.equals(other)).toBe(true);
  });

  it("refuses both other keys at once, the same key twice, and a malformed previous key", async () => {
    const key = randomBytes(32).toString("base64");
    await expect(resolveSecretKey({ secretKey: key, secretKeyPrevious: key })).rejects.toThrow(/PALISADE_SECRET_KEY_PREVIOUS is the same key as the current one/);
    await expect(resolveSecretKey({ secretKey: key, secretKeyPrevious: randomBytes(32).toString("base64"), secretKeyNext: randomBytes(32).toString("base64") }))
      .rejects.toThrow(/not both/);
    await expect(resolveSecretKey({ secretKey: key, secretKeyPrevious: "nope" })).rejects.toThrow(/PALISADE_SECRET_KEY_PREVIOUS must be the base64/);
  });
});

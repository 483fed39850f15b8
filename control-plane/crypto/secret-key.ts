// Where the key that seals stored secrets comes from: PALISADE_SECRET_KEY (given as an option),
// else a key file in the data directory, else — only for an in-memory database — a key that lives
// as long as the process. PostgreSQL without either is refused: its data outlives the process and
// several replicas must share one key.
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile } from "node:fs/promises";
import { join } from "node:path";
import { SECRET_KEY_BYTES } from "./secret-box.js";

/** Name of the key file inside the data directory. */
export const SECRET_KEY_FILE = "secret.key";

/** Where to look for the key. */
export interface SecretKeySource {
  secretKey?: string;    // base64 of 32 bytes (PALISADE_SECRET_KEY)
  dataDir?: string;
  databaseUrl?: string;
}

/** A resolved key and where it came from (for the start-up log; never the key itself). */
export interface ResolvedSecretKey {
  key: Buffer;
  source: "given" | "file" | "ephemeral";
  path?: string;
}

/** The key is missing, unreadable or wrong; the message tells the operator what to do. */
export class SecretKeyError extends Error {}

/** Decodes a base64 (or base64url) key of exactly 32 bytes; `what` names it in the error. */
export function decodeSecretKey(text: string, what: string): Buffer {
  const trimmed = text.trim();
  const key = Buffer.from(trimmed, /[-_]/.test(trimmed) ? "base64url" : "base64");
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) || key.length !== SECRET_KEY_BYTES) {
    throw new SecretKeyError(`${what} must be the base64 of ${SECRET_KEY_BYTES} random bytes (generate one with \`openssl rand -base64 32\`)`);
  }
  return key;
}

/** Resolves the key as described at the top of this file. */
export async function resolveSecretKey(source: SecretKeySource): Promise<ResolvedSecretKey> {
  if (source.secretKey !== undefined) return { key: decodeSecretKey(source.secretKey, "PALISADE_SECRET_KEY"), source: "given" };
  if (source.dataDir !== undefined) {
    const path = join(source.dataDir, SECRET_KEY_FILE);
    return { key: await readOrCreateKeyFile(path), source: "file", path };
  }
  if (source.databaseUrl === undefined) return { key: randomBytes(SECRET_KEY_BYTES), source: "ephemeral" };
  throw new SecretKeyError(
    "set PALISADE_SECRET_KEY (the base64 of 32 random bytes, e.g. `openssl rand -base64 32`) to start on PostgreSQL: "
      + "it encrypts connection credentials and signing keys at rest, and every replica must be given the same key",
  );
}

async function readOrCreateKeyFile(path: string): Promise<Buffer> {
  const key = randomBytes(SECRET_KEY_BYTES);
  await mkdir(join(path, ".."), { recursive: true, mode: 0o700 });
  try {
    // "wx": created only when absent, so two processes never each write a different key.
    const file = await open(path, "wx", 0o600);
    try {
      await file.writeFile(`${key.toString("base64")}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  return decodeSecretKey(await readFile(path, "utf8"), `the key file ${path}`);
}

// Where the key that seals stored secrets comes from: PALISADE_SECRET_KEY (given as an option),
// else a key file in the data directory, else — only for an in-memory database — a key that lives
// as long as the process. PostgreSQL without either is refused: its data outlives the process and
// several replicas must share one key. During a rotation (docs/security.md "Rotating the key") a
// second key joins: the previous one (PALISADE_SECRET_KEY_PREVIOUS, or `secret.key.previous` next
// to the key file), whose values are re-sealed, or the next one (PALISADE_SECRET_KEY_NEXT), only
// opened, so replicas not yet switched read what switched ones seal.
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile } from "node:fs/promises";
import { join } from "node:path";
import { SECRET_KEY_BYTES } from "./secret-box.js";

/** Name of the key file inside the data directory. */
export const SECRET_KEY_FILE = "secret.key";
/** Name of the previous key's file during a rotation of the key file. */
export const PREVIOUS_SECRET_KEY_FILE = "secret.key.previous";

/** Where to look for the key. */
export interface SecretKeySource {
  secretKey?: string;    // base64 of 32 bytes (PALISADE_SECRET_KEY)
  secretKeyPrevious?: string;  // the key being rotated away from (PALISADE_SECRET_KEY_PREVIOUS)
  secretKeyNext?: string;      // the key a rotation is about to switch to (PALISADE_SECRET_KEY_NEXT)
  dataDir?: string;
  databaseUrl?: string;
}

/** A resolved key and where it came from (for the start-up log; never the key itself). */
export interface ResolvedSecretKey {
  key: Buffer;
  source: "given" | "file" | "ephemeral";
  path?: string;
  /** The rotation's other key, if any: `previous` values are re-sealed with `key`, `next` ones only opened. */
  other?: { role: "previous" | "next"; key: Buffer; from: string };
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

/** Resolves the key and the rotation's other key, as described at the top of this file. */
export async function resolveSecretKey(source: SecretKeySource): Promise<ResolvedSecretKey> {
  const primary = await resolvePrimaryKey(source);
  const other = await otherKey(source, primary);
  if (other?.key.equals(primary.key)) {
    throw new SecretKeyError(`${other.from} is the same key as the current one: give the ${other.role} key of the rotation there`);
  }
  return other ? { ...primary, other } : primary;
}

async function otherKey(source: SecretKeySource, primary: ResolvedSecretKey): Promise<ResolvedSecretKey["other"]> {
  if (source.secretKeyPrevious !== undefined && source.secretKeyNext !== undefined) {
    throw new SecretKeyError("set PALISADE_SECRET_KEY_PREVIOUS or PALISADE_SECRET_KEY_NEXT, not both: a rotation moves from one key to one other");
  }
  if (source.secretKeyPrevious !== undefined) {
    return { role: "previous", key: decodeSecretKey(source.secretKeyPrevious, "PALISADE_SECRET_KEY_PREVIOUS"), from: "PALISADE_SECRET_KEY_PREVIOUS" };
  }
  if (source.secretKeyNext !== undefined) {
    return { role: "next", key: decodeSecretKey(source.secretKeyNext, "PALISADE_SECRET_KEY_NEXT"), from: "PALISADE_SECRET_KEY_NEXT" };
  }
  if (primary.source !== "file") return undefined;
  const path = join(primary.path!, "..", PREVIOUS_SECRET_KEY_FILE);
  const text = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  return text === undefined ? undefined : { role: "previous", key: decodeSecretKey(text, `the key file ${path}`), from: path };
}

async function resolvePrimaryKey(source: SecretKeySource): Promise<ResolvedSecretKey> {
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

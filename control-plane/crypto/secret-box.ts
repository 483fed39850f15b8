// AES-256-GCM sealing of secrets stored in the database (connection credentials, signing keys).
// A sealed value is `v1.<key id>.<nonce>.<ciphertext+tag>` (base64url parts): the key id travels
// with every value, so a box holding a ring of keys (during a rotation, see docs/security.md)
// seals with its primary key and opens each value with the key it names.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

const VERSION = "v1";
const NONCE_BYTES = 12;  // 96 bits, GCM's native nonce size
const TAG_BYTES = 16;
/** Length in bytes of a secret key. */
export const SECRET_KEY_BYTES = 32;

/** A value could not be opened: another key sealed it, or it was altered. */
export class SecretOpenError extends Error {}

/** Seals with one key and opens with any key of its ring. */
export interface SecretBox {
  /** A short public fingerprint of the sealing (primary) key (never the key). */
  readonly keyId: string;
  /** The ids of every key this box opens with, the primary first. */
  readonly keyIds: readonly string[];
  /** A fresh sealed value of `plaintext` under the primary key (random nonce each time). */
  seal(plaintext: string): string;
  /** The plaintext of a value sealed with a key of the ring; throws SecretOpenError otherwise. */
  open(sealed: string): string;
  /** The key id a sealed value names, or undefined when `value` is not a sealed value. */
  keyIdOf(value: string): string | undefined;
}

/** The public id of `key`: 16 hex characters of a domain-separated sha256. */
export function secretKeyId(key: Buffer): string {
  return createHash("sha256").update("palisade secret key id\0").update(key).digest("hex").slice(0, 16);
}

// The header is authenticated too, so a value cannot be relabelled with another key id.
const header = (id: string) => Buffer.from(`${VERSION}.${id}`, "utf8");

function parse(value: string) {
  const parts = value.split(".");
  if (parts.length !== 4 || parts[0] !== VERSION || !/^[0-9a-f]{16}$/.test(parts[1]!)) return undefined;
  return { keyId: parts[1]!, nonce: Buffer.from(parts[2]!, "base64url"), body: Buffer.from(parts[3]!, "base64url") };
}

function checkLength(key: Buffer): Buffer {
  if (key.length !== SECRET_KEY_BYTES) throw new Error(`a secret key is ${SECRET_KEY_BYTES} bytes, got ${key.length}`);
  return key;
}

/** A box sealing with `key` and opening values of `key` and of each of `alsoOpens` (a rotation's other key). */
export function createSecretBox(key: Buffer, alsoOpens: readonly Buffer[] = []): SecretBox {
  const keyId = secretKeyId(checkLength(key));
  const ring = new Map<string, Buffer>([[keyId, key]]);
  for (const other of alsoOpens) ring.set(secretKeyId(checkLength(other)), other);
  const keyIds = [...ring.keys()];
  return {
    keyId,
    keyIds,
    seal(plaintext) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
      cipher.setAAD(header(keyId));
      const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
      return `${VERSION}.${keyId}.${nonce.toString("base64url")}.${body.toString("base64url")}`;
    },
    open(sealed) {
      const parsed = parse(sealed);
      if (!parsed) throw new SecretOpenError("not a sealed value");
      const opener = ring.get(parsed.keyId);
      if (!opener) throw new SecretOpenError(`sealed with key ${parsed.keyId}, not with key ${keyIds.join(" or ")}`);
      if (parsed.nonce.length !== NONCE_BYTES || parsed.body.length < TAG_BYTES) throw new SecretOpenError("sealed value is damaged");
      try {
        const decipher = createDecipheriv("aes-256-gcm", opener, parsed.nonce, { authTagLength: TAG_BYTES });
        decipher.setAAD(header(parsed.keyId));
        decipher.setAuthTag(parsed.body.subarray(parsed.body.length - TAG_BYTES));
        const ciphertext = parsed.body.subarray(0, parsed.body.length - TAG_BYTES);
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
      } catch {
        throw new SecretOpenError(`sealed value does not authenticate under key ${parsed.keyId}`);
      }
    },
    keyIdOf(value) {
      return parse(value)?.keyId;
    },
  };
}

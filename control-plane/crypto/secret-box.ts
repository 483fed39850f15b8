// AES-256-GCM sealing of secrets stored in the database (connection credentials, signing keys).
// A sealed value is `v1.<key id>.<nonce>.<ciphertext+tag>` (base64url parts): the key id travels
// with every value so that a later rotation can hold several keys and open each value with its own.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

const VERSION = "v1";
const NONCE_BYTES = 12;  // 96 bits, GCM's native nonce size
const TAG_BYTES = 16;
/** Length in bytes of a secret key. */
export const SECRET_KEY_BYTES = 32;

/** A value could not be opened: another key sealed it, or it was altered. */
export class SecretOpenError extends Error {}

/** Seals and opens strings with one key. */
export interface SecretBox {
  /** A short public fingerprint of the key (never the key). */
  readonly keyId: string;
  /** A fresh sealed value of `plaintext` (random nonce each time). */
  seal(plaintext: string): string;
  /** The plaintext of a value sealed with this key; throws SecretOpenError otherwise. */
  open(sealed: string): string;
  /** The key id a sealed value names, or undefined when `value` is not a sealed value. */
  keyIdOf(value: string): string | undefined;
}

/** The public id of `key`: 16 hex characters of a domain-separated sha256. */
export function secretKeyId(key: Buffer): string {
  return createHash("sha256").update("palisade secret key id\0").update(key).digest("hex").slice(0, 16);
}

/** A box over a 32-byte key. */
export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== SECRET_KEY_BYTES) throw new Error(`a secret key is ${SECRET_KEY_BYTES} bytes, got ${key.length}`);
  const keyId = secretKeyId(key);
  // The header is authenticated too, so a value cannot be relabelled with another key id.
  const header = (id: string) => Buffer.from(`${VERSION}.${id}`, "utf8");
  const parse = (value: string) => {
    const parts = value.split(".");
    if (parts.length !== 4 || parts[0] !== VERSION || !/^[0-9a-f]{16}$/.test(parts[1]!)) return undefined;
    return { keyId: parts[1]!, nonce: Buffer.from(parts[2]!, "base64url"), body: Buffer.from(parts[3]!, "base64url") };
  };
  return {
    keyId,
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
      if (parsed.keyId !== keyId) throw new SecretOpenError(`sealed with key ${parsed.keyId}, not with key ${keyId}`);
      if (parsed.nonce.length !== NONCE_BYTES || parsed.body.length < TAG_BYTES) throw new SecretOpenError("sealed value is damaged");
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, parsed.nonce, { authTagLength: TAG_BYTES });
        decipher.setAAD(header(keyId));
        decipher.setAuthTag(parsed.body.subarray(parsed.body.length - TAG_BYTES));
        const ciphertext = parsed.body.subarray(0, parsed.body.length - TAG_BYTES);
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
      } catch {
        throw new SecretOpenError(`sealed value does not authenticate under key ${keyId}`);
      }
    },
    keyIdOf(value) {
      return parse(value)?.keyId;
    },
  };
}

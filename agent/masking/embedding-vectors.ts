// Embedding vectors sent as base64. The openai SDKs ask for `encoding_format: "base64"` by default,
// and the reply's `data[].embedding` is then base64 of little-endian float32s: not text, so read as
// a binary part it would refuse every embeddings call under a response mask rule that does not say
// `binary: allow`. Such a vector is numbers, as the float array a caller gets by asking for floats:
// in an OpenAI embeddings reply only (`object: "list"`, `data[]` items `object: "embedding"`), to a
// request that asked for base64, a vector whose base64 is canonical and decodes to a whole number of
// float32s is read as its numbers (each as JavaScript prints it, like a number of a JSON reply:
// a value a detector finds there refuses the reply, it cannot be rewritten inside the bytes) and its
// bytes as a file viewer shows them (printableValues); the walk then leaves it. Anything else — a
// base64 string elsewhere in the reply, a vector of another length, another shape — is read as
// before (binary-parts.ts: refused unless every rule allows binary parts).
import { printableValues } from "./binary-parts.js";
import type { Claims } from "./json-walk.js";
import type { ReplyMasker } from "./mask-context.js";
import { UninspectableReply } from "./uninspectable.js";

const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const manyDigits = /\d{6}/; // as value-masker.ts: fewer digits cannot be a value a detector finds in a number

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Whether the parsed request asked for base64 embeddings (`encoding_format: "base64"`). */
export function asksBase64Vectors(request: unknown): boolean {
  return isObject(request) && request.encoding_format === "base64";
}

/** A vector's bytes when `text` is canonical base64 of a whole, non-empty number of float32s; else undefined. */
function vectorBytes(text: string): Buffer | undefined {
  if (text.length === 0 || !base64.test(text)) return undefined;
  const bytes = Buffer.from(text, "base64");
  return bytes.length > 0 && bytes.length % 4 === 0 && bytes.toString("base64") === text ? bytes : undefined;
}

/**
 * Reads the base64 vectors of `document` when it is an OpenAI embeddings reply (see the header) and
 * claims them, so the walk after does not read them as binary parts. Throws UninspectableReply when
 * a vector's numbers or bytes hold a value.
 */
export function readEmbeddingVectors(document: unknown, reply: ReplyMasker, claims: Claims): void {
  if (!isObject(document) || document.object !== "list" || !Array.isArray(document.data)) return;
  for (const [index, item] of document.data.entries()) {
    if (!isObject(item) || item.object !== "embedding" || typeof item.embedding !== "string") continue;
    const bytes = vectorBytes(item.embedding);
    if (!bytes) continue;
    const location = `response.data[${index}].embedding`;
    for (let at = 0; at < bytes.length; at += 4) {
      const source = String(bytes.readFloatLE(at));
      if (manyDigits.test(source) && reply.maskNumber(source, `${location}[${at / 4}]`) !== undefined) {
        throw new UninspectableReply(`its embedding vector at ${location} holds a value in its numbers that masking cannot rewrite in base64`);
      }
    }
    printableValues(reply, "", bytes, `an embedding vector (${location})`);
    claims.claim(item, "embedding");
  }
}

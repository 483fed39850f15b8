// The primitives of admin-input checking that the contract's field rules (proto/, enforced by
// request-validation.ts) leave to code: the INVALID_ARGUMENT error and the NUL check. Every
// validator calls these; this file calls none of them back.
import { Code, ConnectError } from "@connectrpc/connect";

/** An INVALID_ARGUMENT error with `message`. */
export function invalid(message: string): ConnectError {
  return new ConnectError(message, Code.InvalidArgument);
}

/** The path of the first string inside `value` (a message) holding a NUL character, if any. */
export function nulAt(value: unknown, path: string): string | undefined {
  if (typeof value === "string") return value.includes("\u0000") ? path : undefined;
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const found = nulAt(inner, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`);
    if (found) return found;
  }
  return undefined;
}

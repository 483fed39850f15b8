// The primitives of admin-input checking: the INVALID_ARGUMENT error, the naming rule, URL and NUL
// checks. Every validator calls these; this file calls none of them back.
import { Code, ConnectError } from "@connectrpc/connect";

const NAME = /^[a-z][a-z0-9-]{0,62}$/;
// RFC 9110 token characters: what an HTTP header name may contain.
export const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** An INVALID_ARGUMENT error with `message`. */
export function invalid(message: string): ConnectError {
  return new ConnectError(message, Code.InvalidArgument);
}

/** Throws unless `name` follows the naming rules; `what` names the thing in the message. */
export function checkName(what: string, name: string): void {
  if (!NAME.test(name)) {
    throw invalid(`${what} "${name}": name must be 1-63 lower-case letters, digits or dashes, starting with a letter`);
  }
}

/** Whether `value` is an absolute http: or https: URL. */
export function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const { protocol } = new URL(value);
  return protocol === "http:" || protocol === "https:";
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

// What an approval grants: the same identity's same request, named by a SHA-256 over the
// connection, method, path (with query), the caller's headers that go upstream with it (those that
// can change what the provider does: reviewed-headers.ts) and the body. Fields are newline-framed;
// none of the first three can hold a newline (connection names are `[a-z0-9-]`, methods are tokens,
// paths are URL paths), nor can a header (node:http refuses CR and LF in one); the headers end at
// an empty line, which no `name: value` line is.
import { createHash } from "node:crypto";

/** The request an approval covers. */
export interface HeldRequest {
  connection: string;
  method: string;
  path: string;
  /** The reviewed headers, `[lower-case name, value]` sorted by name (reviewed-headers.ts). */
  headers: readonly (readonly [string, string])[];
  body: Buffer;
}

/** The SHA-256 (hex) that names `request` in a ReviewRequest and in grants. */
export function contentHash(request: HeldRequest): string {
  const hash = createHash("sha256").update(`${request.connection}\n${request.method.toUpperCase()}\n${request.path}\n`);
  for (const [name, value] of request.headers) hash.update(`${name}: ${value}\n`);
  return hash.update("\n").update(request.body).digest("hex");
}

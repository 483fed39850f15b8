// What an approval grants: the same identity's same request, named by a SHA-256 over the
// connection, method, path (with query) and body. Fields are newline-framed; none of the first three
// can hold a newline (connection names are `[a-z0-9-]`, methods are tokens, paths are URL paths).
import { createHash } from "node:crypto";

/** The request an approval covers. */
export interface HeldRequest {
  connection: string;
  method: string;
  path: string;
  body: Buffer;
}

/** The SHA-256 (hex) that names `request` in a ReviewRequest and in grants. */
export function contentHash(request: HeldRequest): string {
  return createHash("sha256")
    .update(`${request.connection}\n${request.method.toUpperCase()}\n${request.path}\n`)
    .update(request.body)
    .digest("hex");
}

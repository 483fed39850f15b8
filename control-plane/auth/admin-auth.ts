// Every admin RPC needs `authorization: Bearer <token>`: the bootstrap admin token (role admin) or
// a caller JWT whose subject or groups hold roles through RoleBindings. The web console instead
// presents its session cookie with the `palisade-console: 1` header (control-plane/console/). What
// each role may call is read from the permission table (permissions.ts); the few RPCs open to
// anyone (signing in) run without credentials. The agent stream is not behind this interceptor: it
// authenticates agents by enrolment token itself.
import { Code, ConnectError, createContextKey, type HandlerContext, type Interceptor } from "@connectrpc/connect";
import { CONSOLE_HEADER, readSessionCookie } from "../console/console-cookie.js";
import type { RoleName } from "../storage/resources/role-bindings.js";
import type { AdminTokenVerifier } from "./admin-tokens.js";
import type { CallerAccessResolver } from "./caller-access.js";
import { permissionFor } from "./permissions.js";
import { hashToken } from "./token-hash.js";

/** Response header set when an answer had prompt and response contents removed for the caller's role. */
export const CONTENTS_WITHHELD_HEADER = "palisade-contents-withheld";

/** Who made an RPC: recorded as the actor of changes. */
export interface AdminCaller {
  /** `admin-token:<name>` for admin tokens, the token's `sub` for JWTs. */
  actor: string;
  roles: readonly RoleName[];
  /** The verified token's identity (JWT callers only; an admin token has none). */
  identity?: { subject: string; issuer: string; groups: readonly string[] };
  /** The admin token presented as the bearer token (name and hash), when it came that way. */
  adminToken?: { name: string; hash: string };
  /** The console session the caller presented (its cookie's secret), when it came that way. */
  session?: { secret: string; expiresAt: Date };
}

/** Resolves a console session cookie's secret to its caller; undefined when unknown or expired. */
export interface ConsoleSessionAuth {
  resolve(secret: string): Promise<AdminCaller | undefined>;
}

/** The caller of the RPC in whose context this is read. */
export const adminCallerKey = createContextKey<AdminCaller>({ actor: "anonymous", roles: [] }, { description: "admin caller" });

/** The actor of the RPC whose context this is. */
export function adminActor(context: HandlerContext): string {
  return context.values.get(adminCallerKey).actor;
}

/** How the interceptor recognises callers. */
export interface AdminAuthDeps {
  verifyAdminToken: AdminTokenVerifier;
  /** Caller JWTs; when absent only admin tokens are accepted. */
  callers?: CallerAccessResolver;
  /** Console session cookies; when absent they are not accepted. */
  consoleSessions?: ConsoleSessionAuth;
}

const ANONYMOUS: AdminCaller = { actor: "anonymous", roles: [] };

const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]*$/;

async function authenticate(deps: AdminAuthDeps, token: string): Promise<AdminCaller> {
  const name = await deps.verifyAdminToken(token);
  if (name) return { actor: `admin-token:${name}`, roles: ["admin"], adminToken: { name, hash: hashToken(token) } };
  if (!deps.callers || !JWT_SHAPE.test(token)) throw new ConnectError("invalid admin token", Code.Unauthenticated);
  const access = await deps.callers.resolve(token);
  // Refused either way; an identity provider that cannot be reached is the server's trouble, not the token's (retry).
  if (!access.ok && access.unreachable) throw new ConnectError(`caller token cannot be verified now: ${access.reason}`, Code.Unavailable);
  if (!access.ok) throw new ConnectError(`invalid caller token: ${access.reason}`, Code.Unauthenticated);
  const { subject, issuer, groups } = access.identity;
  return { actor: subject, roles: access.roles, identity: { subject, issuer, groups } };
}

/**
 * An interceptor refusing calls without a valid token with UNAUTHENTICATED, and calls the caller's
 * roles do not allow with PERMISSION_DENIED naming the role needed; it withholds contents the
 * caller's roles may not read.
 */
export function adminAuthInterceptor(deps: AdminAuthDeps): Interceptor {
  return (next) => async (request) => {
    const rpc = `${request.service.name}.${request.method.name}`;
    const permission = permissionFor(request.service.typeName, request.method.name);
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.header.get("authorization") ?? "");
    const secret = request.header.get(CONSOLE_HEADER) === "1" ? readSessionCookie(request.header.get("cookie")) : undefined;
    let caller: AdminCaller;
    if (permission?.open === "anyone") {
      // Signing in: whatever the browser still holds (an ended session's cookie) does not matter.
      caller = ANONYMOUS;
    } else if (match) {
      caller = await authenticate(deps, match[1]!);
    } else if (secret !== undefined && deps.consoleSessions) {
      const session = await deps.consoleSessions.resolve(secret);
      if (!session) throw new ConnectError("console session unknown or expired: sign in again", Code.Unauthenticated);
      caller = session;
    } else {
      throw new ConnectError("missing token: send `authorization: Bearer <admin token or caller JWT>`", Code.Unauthenticated);
    }
    if (!permission) throw new ConnectError(`${rpc} is not open to any role`, Code.PermissionDenied);
    if (permission.open === undefined && !caller.roles.some((role) => permission.roles.includes(role))) {
      const held = caller.roles.length > 0 ? `holds only ${caller.roles.join(", ")}` : "holds no role (grant one with a RoleBinding)";
      throw new ConnectError(`${rpc} requires role ${permission.roles.join(" or ")}; ${caller.actor} ${held}`, Code.PermissionDenied);
    }
    request.contextValues.set(adminCallerKey, caller);
    const response = await next(request);
    const contents = permission.contents;
    if (!contents || caller.roles.some((role) => contents.roles.includes(role))) return response;
    if (response.stream) throw new ConnectError(`${rpc}: contents cannot be withheld from a stream`, Code.Internal);
    response.header.set(CONTENTS_WITHHELD_HEADER, "true");
    return { ...response, message: contents.withhold(response.message) as typeof response.message };
  };
}

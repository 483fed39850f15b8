// Console sessions as admin-API callers: a session of an admin token holds the admin role while
// that token exists, unchanged (its name with the hash it had at sign-in: a replaced token ends
// the sessions made with the old one); a session of a person holds the roles their RoleBindings give their
// subject and groups now, while their identity provider is still configured.
import type { AdminCaller, ConsoleSessionAuth } from "../auth/admin-auth.js";
import type { CallerAccessResolver } from "../auth/caller-access.js";
import type { Database } from "../storage/database.js";
import type { ConsoleSession, ConsoleSessionStore } from "./console-sessions.js";

/** What a session is checked against at every request. */
export interface ConsoleAuthDeps {
  sessions: ConsoleSessionStore;
  db: Database;
  /** Role bindings and configured issuers; absent: only admin-token sessions are honoured. */
  callers?: CallerAccessResolver;
}

/** The caller a session is now; undefined when what it stood for is gone. */
export async function callerOfSession(deps: ConsoleAuthDeps, secret: string, session: ConsoleSession): Promise<AdminCaller | undefined> {
  const principal = session.principal;
  const sessionFacts = { secret, expiresAt: session.expiresAt };
  if (principal.kind === "admin-token") {
    const rows = await deps.db.em().execute<unknown[]>("select 1 from admin_token where name = ? and token_hash = ?", [principal.adminToken, principal.tokenHash]);
    return rows.length > 0 ? { actor: session.actor, roles: ["admin"], session: sessionFacts } : undefined;
  }
  const roles = await deps.callers?.rolesFor(principal);
  if (!roles) return undefined;
  const { subject, issuer, groups } = principal;
  return { actor: session.actor, roles, identity: { subject, issuer, groups }, session: sessionFacts };
}

/** Resolves cookie secrets to callers for the admin interceptor. */
export function createConsoleSessionAuth(deps: ConsoleAuthDeps): ConsoleSessionAuth {
  return {
    async resolve(secret) {
      const session = await deps.sessions.findSession(secret);
      return session && callerOfSession(deps, secret, session);
    },
  };
}

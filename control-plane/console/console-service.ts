// ConsoleService: signing in and out of the web console, and who the caller is (docs/console.md).
import { create } from "@bufbuild/protobuf";
import { durationMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import type { Logger } from "pino";
import { type Caller, CallerSchema, type ConsoleService } from "../../gen/palisade/admin/v1/console_service_pb.js";
import { invalid } from "../admin/input-checks.js";
import { setAdminEventActor } from "../audit/admin-audit.js";
import { type AdminCaller, adminCallerKey } from "../auth/admin-auth.js";
import { roleFromName } from "../storage/resources/role-bindings.js";
import { type ConsoleAuthDeps, callerOfSession } from "./console-auth.js";
import { clearedCookie, sessionCookie } from "./console-cookie.js";
import { actorOf, type SessionPrincipal } from "./console-sessions.js";
import { type OidcSignIn, OidcSignInError } from "./oidc-sign-in.js";

/** What the service works with. */
export interface ConsoleServiceDeps extends ConsoleAuthDeps {
  oidc: OidcSignIn;
  /** Whether the console is reached over HTTPS (the cookie is then Secure and `__Host-` named). */
  secureCookie: boolean;
  logger: Logger;
}

const LINK_TTL_DEFAULT_MS = 15 * 60_000;
const LINK_TTL_MIN_MS = 60_000;
const LINK_TTL_MAX_MS = 3_600_000;

/** The path of the console page that signs in with a link code (in the fragment: never sent to a server). */
export function signInPath(code: string): string {
  return `/console/sign-in#code=${code}`;
}

/** The API's view of a caller. */
export function callerMessage(caller: AdminCaller): Caller {
  return create(CallerSchema, {
    actor: caller.actor,
    roles: caller.roles.map(roleFromName),
    subject: caller.identity?.subject ?? "",
    issuer: caller.identity?.issuer ?? "",
    groups: [...(caller.identity?.groups ?? [])],
  });
}

/** The ConsoleService handlers. */
export function createConsoleService(deps: ConsoleServiceDeps): ServiceImpl<typeof ConsoleService> {
  const refused = (message: string) => new ConnectError(message, Code.Unauthenticated);

  // Starts a session for `principal`, sets its cookie on the answer and names it in the audit entry.
  const startSession = async (principal: SessionPrincipal, context: HandlerContext) => {
    // Named before the session's transaction, which carries the audit entry.
    setAdminEventActor(actorOf(principal));
    const { secret, session } = await deps.sessions.createSession(principal);
    const caller = await callerOfSession(deps, secret, session);
    if (!caller) {
      await deps.sessions.deleteSession(secret);
      throw refused("what this sign-in stood for is gone (admin token deleted or identity provider removed)");
    }
    context.responseHeader.append("set-cookie", sessionCookie(secret, session.expiresAt, deps.secureCookie));
    deps.logger.info({ actor: caller.actor, roles: caller.roles, via: principal.kind }, "console sign-in");
    return { caller: callerMessage(caller), expireTime: timestampFromDate(session.expiresAt) };
  };

  return {
    async getSignInOptions() {
      return { providers: await deps.oidc.options() };
    },

    async signIn(request, context) {
      const method = request.method;
      if (method.case === "linkCode") {
        if (!method.value) throw invalid("link_code is empty");
        const adminToken = await deps.sessions.consumeLink(method.value);
        if (!adminToken) throw refused("sign-in link unknown, already used or expired: make a new one with `palisade console`");
        return startSession({ kind: "admin-token", adminToken: adminToken.name, tokenHash: adminToken.hash }, context);
      }
      if (method.case === "oidc") {
        const { provider, callbackUrl, codeVerifier, state, nonce } = method.value;
        if (!provider || !callbackUrl || !codeVerifier || !state || !nonce) {
          throw invalid("oidc needs provider, callback_url, code_verifier, state and nonce");
        }
        try {
          const identity = await deps.oidc.redeem(method.value);
          return await startSession({ kind: "identity", ...identity }, context);
        } catch (error) {
          if (!(error instanceof OidcSignInError)) throw error;
          deps.logger.warn({ provider, reason: error.message }, "console sign-in refused");
          throw new ConnectError(error.message, error.kind === "unknown-provider" ? Code.NotFound : Code.Unauthenticated);
        }
      }
      throw invalid("no sign-in method: give link_code or oidc");
    },

    async signOut(_request, context) {
      const session = context.values.get(adminCallerKey).session;
      if (session) await deps.sessions.deleteSession(session.secret);
      context.responseHeader.append("set-cookie", clearedCookie(deps.secureCookie));
      return {};
    },

    async getCaller(_request, context) {
      const caller = context.values.get(adminCallerKey);
      return {
        caller: callerMessage(caller),
        sessionExpireTime: caller.session ? timestampFromDate(caller.session.expiresAt) : undefined,
      };
    },

    async createSignInLink(request, context) {
      const caller = context.values.get(adminCallerKey);
      // The bearer admin token itself, never a console session of one: a session making links
      // would renew itself past its 8 hours, and past a replacement of the token it was made with.
      if (!caller.adminToken || caller.session) {
        throw new ConnectError("sign-in links are made with an admin token (`palisade console`), not with a console session or a caller JWT", Code.PermissionDenied);
      }
      const ttlMs = request.ttl ? durationMs(request.ttl) : LINK_TTL_DEFAULT_MS;
      if (ttlMs < LINK_TTL_MIN_MS || ttlMs > LINK_TTL_MAX_MS) throw invalid("ttl must be between 1 minute and 1 hour");
      const { code, expiresAt } = await deps.sessions.createLink(caller.adminToken, ttlMs);
      return { code, path: signInPath(code), expireTime: timestampFromDate(expiresAt) };
    },
  };
}

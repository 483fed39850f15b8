// Console sign-in state in the database, shared by every replica: one-time sign-in links (a code
// that an admin token's holder hands to a browser) and console sessions (the secret in the
// browser's HttpOnly cookie). Only SHA-256 hashes of both secrets are stored; a link is consumed
// by the DELETE that reads it, so two replicas cannot both honour it.
import type { Database } from "../storage/database.js";
import { hashToken, randomSecret } from "../auth/token-hash.js";

/** An admin token as a link or session is bound to it: its name and its stored hash when it was made. */
export interface AdminTokenRef {
  name: string;
  hash: string;
}

/**
 * Who a console session is: an admin token's holder (the token's name, and its hash: a session
 * ends when the token is replaced), or a person signed in with an identity provider.
 */
export type SessionPrincipal =
  | { kind: "admin-token"; adminToken: string; tokenHash: string }
  | { kind: "identity"; subject: string; issuer: string; groups: string[] };

/** A live console session. */
export interface ConsoleSession {
  principal: SessionPrincipal;
  /** Recorded as the actor of the session's changes. */
  actor: string;
  expiresAt: Date;
}

/** Lifetimes and the clock (injected by tests). */
export interface ConsoleSessionOptions {
  /** How long a session lasts from sign-in; it is not extended by use. Default 8 hours. */
  sessionTtlMs?: number;
  now?: () => Date;
}

/** Console links and sessions over the database. */
export interface ConsoleSessionStore {
  /** A new one-time link code for `adminToken`, usable until `expiresAt`. */
  createLink(adminToken: AdminTokenRef, ttlMs: number): Promise<{ code: string; expiresAt: Date }>;
  /** The admin token a link code was made with, consuming the code; undefined when unknown, used or expired. */
  consumeLink(code: string): Promise<AdminTokenRef | undefined>;
  /** Starts a session; returns the secret for the cookie. */
  createSession(principal: SessionPrincipal): Promise<{ secret: string; session: ConsoleSession }>;
  /** The live session a cookie secret names; undefined when unknown or expired. */
  findSession(secret: string): Promise<ConsoleSession | undefined>;
  /** Ends a session; true when there was one. */
  deleteSession(secret: string): Promise<boolean>;
}

/** The default session lifetime: a working day. */
export const DEFAULT_SESSION_TTL_MS = 8 * 3_600_000;

interface SessionRow {
  actor: string;
  admin_token: string;
  admin_token_hash: string;
  subject: string;
  issuer: string;
  groups: string[] | string;
  expires_at: Date | string;
}

/** The actor a principal's changes are recorded under (the same as for its bearer token). */
export function actorOf(principal: SessionPrincipal): string {
  return principal.kind === "admin-token" ? `admin-token:${principal.adminToken}` : principal.subject;
}

/** A store over `db`. */
export function createConsoleSessionStore(db: Database, options: ConsoleSessionOptions = {}): ConsoleSessionStore {
  const now = options.now ?? (() => new Date());
  const sessionTtlMs = options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
  return {
    async createLink(adminToken, ttlMs) {
      const code = randomSecret();
      const createdAt = now();
      const expiresAt = new Date(createdAt.getTime() + ttlMs);
      await db.transaction(async (tx) => {
        await tx.execute("delete from console_link where expires_at <= ?", [createdAt]);
        await tx.execute("insert into console_link (code_hash, admin_token, admin_token_hash, created_at, expires_at) values (?, ?, ?, ?, ?)",
          [hashToken(code), adminToken.name, adminToken.hash, createdAt, expiresAt]);
      });
      return { code, expiresAt };
    },

    async consumeLink(code) {
      const rows = await db.em().execute<{ admin_token: string; admin_token_hash: string; expires_at: Date | string }[]>(
        "delete from console_link where code_hash = ? returning admin_token, admin_token_hash, expires_at", [hashToken(code)]);
      const row = rows[0];
      return row && new Date(row.expires_at) > now() ? { name: row.admin_token, hash: row.admin_token_hash } : undefined;
    },

    async createSession(principal) {
      const secret = randomSecret();
      const createdAt = now();
      const session: ConsoleSession = { principal, actor: actorOf(principal), expiresAt: new Date(createdAt.getTime() + sessionTtlMs) };
      const identity = principal.kind === "identity" ? principal : { subject: "", issuer: "", groups: [] };
      await db.transaction(async (tx) => {
        // Ended sessions are removed here, at the next sign-in, rather than by a timer.
        await tx.execute("delete from console_session where expires_at <= ?", [createdAt]);
        await tx.execute(
          `insert into console_session (token_hash, actor, admin_token, admin_token_hash, subject, issuer, groups, created_at, expires_at)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [hashToken(secret), session.actor, principal.kind === "admin-token" ? principal.adminToken : "", principal.kind === "admin-token" ? principal.tokenHash : "",
            identity.subject, identity.issuer, JSON.stringify(identity.groups), createdAt, session.expiresAt],
        );
      });
      return { secret, session };
    },

    async findSession(secret) {
      const rows = await db.em().execute<SessionRow[]>(
        "select actor, admin_token, admin_token_hash, subject, issuer, groups, expires_at from console_session where token_hash = ?", [hashToken(secret)]);
      const row = rows[0];
      if (!row) return undefined;
      const expiresAt = new Date(row.expires_at);
      if (expiresAt <= now()) return undefined;
      const groups = typeof row.groups === "string" ? (JSON.parse(row.groups) as string[]) : row.groups;
      const principal: SessionPrincipal = row.admin_token
        ? { kind: "admin-token", adminToken: row.admin_token, tokenHash: row.admin_token_hash }
        : { kind: "identity", subject: row.subject, issuer: row.issuer, groups };
      return { principal, actor: row.actor, expiresAt };
    },

    async deleteSession(secret) {
      const rows = await db.em().execute<{ actor: string }[]>("delete from console_session where token_hash = ? returning actor", [hashToken(secret)]);
      return rows.length > 0;
    },
  };
}

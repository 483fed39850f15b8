// Token revocations and the record of tokens the control plane issued. A revocation lives until
// the tokens it covers have expired anyway; agents receive the live ones in every snapshot.
import type { EntityManager } from "@mikro-orm/sql";
import { recordChange } from "../change-events.js";
import type { Database } from "../database.js";
import { IssuedTokenRow, TokenRevocationRow } from "../entities.js";

/** A live revocation as the snapshot builder reads it. */
export interface Revocation {
  jti?: string;
  subject?: string;
  issuedBefore?: Date;
  issuer: string;
  expireTime: Date;
}

/** What to revoke: one token by jti, or every token of a subject issued until `now`. */
export type RevocationTarget = { jti: string } | { subject: string };

/** Revoking by jti named no token the control plane issued. */
export class UnknownTokenError extends Error {}

/** Revocations and issued tokens over the database. */
export interface RevocationStore {
  /** Remembers a token the control plane signed (for revocation by jti). */
  recordIssued(token: { jti: string; subject: string; expireTime: Date }): Promise<void>;
  /**
   * Revokes in one transaction with its change event; false when there was nothing left to
   * revoke (the token has already expired). Throws UnknownTokenError for an unknown jti.
   */
  revoke(target: RevocationTarget, options: { issuer: string; actor: string; subjectTtlMs: number }): Promise<boolean>;
}

/** Revocations not yet expired at `now`, oldest first. */
export async function liveRevocations(em: EntityManager, now: Date): Promise<Revocation[]> {
  const rows = await em.find(TokenRevocationRow, { expireTime: { $gt: now } }, { orderBy: { id: "asc" } });
  return rows.map((row) => ({
    jti: row.jti ?? undefined,
    subject: row.subject ?? undefined,
    issuedBefore: row.issuedBefore ?? undefined,
    issuer: row.issuer,
    expireTime: row.expireTime,
  }));
}

/** A revocation store over `db`. */
export function createRevocationStore(db: Database): RevocationStore {
  return {
    async recordIssued(token) {
      await db.transaction(async (tx) => {
        const now = new Date();
        // Expired tokens can no longer be revoked (or used): forget them as new ones arrive.
        await tx.nativeDelete(IssuedTokenRow, { expireTime: { $lt: now } });
        tx.create(IssuedTokenRow, { ...token, createdAt: now });
        await tx.flush();
      });
    },
    revoke(target, options) {
      return db.transaction(async (tx) => {
        const now = new Date();
        await tx.nativeDelete(TokenRevocationRow, { expireTime: { $lte: now } });
        let row: { jti: string | null; subject: string | null; issuedBefore: Date | null; expireTime: Date };
        if ("jti" in target) {
          const issued = await tx.findOne(IssuedTokenRow, { jti: target.jti });
          if (!issued) throw new UnknownTokenError(`no token with jti "${target.jti}" is known (never issued here, or expired and forgotten)`);
          if (issued.expireTime <= now) return false;
          row = { jti: target.jti, subject: null, issuedBefore: null, expireTime: issued.expireTime };
        } else {
          // Tokens of the subject issued until now may live at most the longest TTL from now.
          row = { jti: null, subject: target.subject, issuedBefore: now, expireTime: new Date(now.getTime() + options.subjectTtlMs) };
        }
        tx.create(TokenRevocationRow, { ...row, issuer: options.issuer, createdAt: now, actor: options.actor });
        await tx.flush();
        const name = "jti" in target ? `jti:${target.jti}` : `subject:${target.subject}`;
        await recordChange(tx, { kind: "token_revocation", name, action: "create", actor: options.actor });
        return true;
      });
    },
  };
}

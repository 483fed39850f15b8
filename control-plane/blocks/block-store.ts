// Blocks: identities every agent refuses until the block expires or is lifted. Each create and lift
// commits with its change event (so every replica pushes a new snapshot) and its audit event.
import type { EntityManager } from "@mikro-orm/sql";
import { recordChange } from "../storage/change-events.js";
import type { Database } from "../storage/database.js";
import { type AuditNote, noteAudit } from "./block-audit.js";

/** One stored block. */
export interface StoredBlock {
  id: string;
  subject: string;
  /** Empty: the subject under any issuer. */
  issuer: string;
  reason: string;
  /** The alert rule that blocked; empty for a manual block. */
  rule: string;
  createdAt: Date;
  expireTime: Date;
  createdBy: string;
  liftedAt: Date | undefined;
  liftedBy: string;
}

/** A block to create. */
export interface NewBlock {
  subject: string;
  issuer: string;
  reason: string;
  rule: string;
  expireTime: Date;
  createdBy: string;
}

interface BlockSqlRow {
  id: string | number; subject: string; issuer: string; reason: string; rule: string; created_at: Date | string;
  expire_time: Date | string; created_by: string; lifted_at: Date | string | null; lifted_by: string;
}

function fromRow(row: BlockSqlRow): StoredBlock {
  return {
    id: String(row.id), subject: row.subject, issuer: row.issuer, reason: row.reason, rule: row.rule,
    createdAt: new Date(row.created_at), expireTime: new Date(row.expire_time), createdBy: row.created_by,
    liftedAt: row.lifted_at === null ? undefined : new Date(row.lifted_at), liftedBy: row.lifted_by,
  };
}

/** Blocks neither lifted nor expired at `now`, oldest first. */
export async function liveBlocks(em: EntityManager, now: Date): Promise<StoredBlock[]> {
  const rows = await em.execute<BlockSqlRow[]>(
    "select * from block where lifted_at is null and expire_time > ? order by id", [now.toISOString()],
  );
  return rows.map(fromRow);
}

/**
 * Creates a block inside `tx`, replacing (lifting) a live block of the same subject and issuer,
 * with its change event and audit note.
 */
export async function createBlock(tx: EntityManager, block: NewBlock, now: Date): Promise<StoredBlock> {
  await tx.execute(
    `update block set lifted_at = ?, lifted_by = ? where subject = ? and issuer = ? and lifted_at is null and expire_time > ?`,
    [now.toISOString(), `replaced by ${block.createdBy}`, block.subject, block.issuer, now.toISOString()],
  );
  const rows = await tx.execute<BlockSqlRow[]>(
    `insert into block (subject, issuer, reason, rule, created_at, expire_time, created_by)
     values (?, ?, ?, ?, ?, ?, ?) returning *`,
    [block.subject, block.issuer, block.reason, block.rule, now.toISOString(), block.expireTime.toISOString(), block.createdBy],
  );
  const stored = fromRow(rows[0]!);
  await recordChange(tx, { kind: "block", name: block.subject, action: "create", actor: block.createdBy });
  await noteAudit(tx, blockNote("block", stored, block.createdBy));
  return stored;
}

/** Lifts the live blocks of `subject` (of `issuer` only when given) inside `tx`; how many. */
export async function liftBlocks(tx: EntityManager, target: { subject: string; issuer?: string }, actor: string, now: Date): Promise<StoredBlock[]> {
  const params: unknown[] = [now.toISOString(), actor, target.subject, now.toISOString()];
  const byIssuer = target.issuer === undefined ? "" : "and issuer = ?";
  if (target.issuer !== undefined) params.push(target.issuer);
  const rows = await tx.execute<BlockSqlRow[]>(
    `update block set lifted_at = ?, lifted_by = ? where subject = ? and lifted_at is null and expire_time > ? ${byIssuer} returning *`,
    params,
  );
  const lifted = rows.map(fromRow);
  if (lifted.length === 0) return lifted;
  await recordChange(tx, { kind: "block", name: target.subject, action: "delete", actor });
  for (const block of lifted) await noteAudit(tx, blockNote("unblock", block, actor));
  return lifted;
}

function blockNote(action: "block" | "unblock", block: StoredBlock, actor: string): AuditNote {
  return {
    type: "block",
    subject: block.subject,
    payload: {
      action, actor, id: block.id, issuer: block.issuer, reason: block.reason, rule: block.rule,
      expireTime: block.expireTime.toISOString(),
    },
  };
}

/** Filters of a block listing. */
export interface BlockQuery {
  includeInactive: boolean;
  subject?: string;
  limit: number;
}

/** Blocks and their lifting over the database. */
export interface BlockStore {
  list(query: BlockQuery): Promise<StoredBlock[]>;
  create(block: Omit<NewBlock, "expireTime"> & { durationMs: number }): Promise<StoredBlock>;
  lift(target: { subject: string; issuer?: string }, actor: string): Promise<StoredBlock[]>;
}

/** The block store over `db`. */
export function createBlockStore(db: Database): BlockStore {
  return {
    async list(query) {
      const where: string[] = [];
      const params: unknown[] = [];
      if (!query.includeInactive) { where.push("lifted_at is null and expire_time > ?"); params.push(new Date().toISOString()); }
      if (query.subject) { where.push("subject = ?"); params.push(query.subject); }
      const rows = await db.em().execute<BlockSqlRow[]>(
        `select * from block ${where.length ? `where ${where.join(" and ")}` : ""} order by id desc limit ${Math.trunc(query.limit)}`,
        params,
      );
      return rows.map(fromRow);
    },
    create(block) {
      return db.transaction((tx) => {
        const now = new Date();
        return createBlock(tx, { ...block, expireTime: new Date(now.getTime() + block.durationMs) }, now);
      });
    },
    lift(target, actor) {
      return db.transaction((tx) => liftBlocks(tx, target, actor, new Date()));
    },
  };
}

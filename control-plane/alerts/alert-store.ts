// Alerts as stored: one row per rule, identity and dedup key (a second insert of the same firing
// is ignored), read back newest first for the admin API.
import { randomUUID } from "node:crypto";
import type { EntityManager } from "@mikro-orm/sql";
import type { Database } from "../storage/database.js";

/** What the evaluator found: one rule firing for one identity. */
export interface Finding {
  rule: string;
  subject: string;
  issuer: string;
  /** Identifies the firing so it is stored once (docs/alerts.md, "dedup"). */
  dedupKey: string;
  sessionIds: string[];
  summary: string;
  observed: number;
  baseline: number;
  model: string;
}

/** A stored alert. */
export interface StoredAlert extends Finding {
  id: string;
  firedAt: Date;
  blocked: boolean;
}

interface AlertSqlRow {
  id: string; rule: string; subject: string; issuer: string; dedup_key: string; fired_at: Date | string;
  session_ids: string[] | string; details: Record<string, unknown> | string;
}

function fromRow(row: AlertSqlRow): StoredAlert {
  const details = (typeof row.details === "string" ? JSON.parse(row.details) : row.details) as Record<string, unknown>;
  const sessionIds = (typeof row.session_ids === "string" ? JSON.parse(row.session_ids) : row.session_ids) as string[];
  return {
    id: row.id, rule: row.rule, subject: row.subject, issuer: row.issuer, dedupKey: row.dedup_key,
    firedAt: new Date(row.fired_at), sessionIds,
    summary: String(details.summary ?? ""), observed: Number(details.observed ?? 0), baseline: Number(details.baseline ?? 0),
    model: String(details.model ?? ""), blocked: details.blocked === true,
  };
}

/** Stores `finding` inside `tx`; undefined when the same firing was already stored. */
export async function insertAlert(tx: EntityManager, finding: Finding, blocked: boolean, now: Date): Promise<StoredAlert | undefined> {
  const details = { summary: finding.summary, observed: finding.observed, baseline: finding.baseline, model: finding.model, blocked };
  const rows = await tx.execute<AlertSqlRow[]>(
    `insert into alert (id, rule, subject, issuer, dedup_key, fired_at, session_ids, details)
     values (?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb)
     on conflict (rule, subject, issuer, dedup_key) do nothing returning *`,
    [randomUUID(), finding.rule, finding.subject, finding.issuer, finding.dedupKey, now.toISOString(),
      JSON.stringify(finding.sessionIds), JSON.stringify(details)],
  );
  return rows[0] ? fromRow(rows[0]) : undefined;
}

/** Filters of an alert listing. */
export interface AlertQuery {
  since?: Date;
  rule?: string;
  subject?: string;
  limit: number;
}

/** Lists alerts newest first. */
export async function listAlerts(db: Database, query: AlertQuery): Promise<StoredAlert[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.since) { where.push("fired_at >= ?"); params.push(query.since.toISOString()); }
  if (query.rule) { where.push("rule = ?"); params.push(query.rule); }
  if (query.subject) { where.push("subject = ?"); params.push(query.subject); }
  const rows = await db.em().execute<AlertSqlRow[]>(
    `select * from alert ${where.length ? `where ${where.join(" and ")}` : ""} order by fired_at desc, id limit ${Math.trunc(query.limit)}`,
    params,
  );
  return rows.map(fromRow);
}

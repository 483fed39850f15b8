// One evaluation pass: every rule against the exchange table at one instant, in one transaction
// that holds an advisory lock so only one control-plane replica evaluates at a time. What fires is
// stored (once: see dedup), appended to the audit log and, with autoBlock, blocks the identity;
// all of it commits together.
import type { EntityManager } from "@mikro-orm/sql";
import { createBlock } from "../blocks/block-store.js";
import { noteAudit } from "../blocks/block-audit.js";
import type { Database } from "../storage/database.js";
import { loadRuleSettings } from "../storage/resources/alert-rules.js";
import { type Finding, insertAlert, type StoredAlert } from "./alert-store.js";
import { findAnomalies, suppressionSeconds } from "./rule-queries.js";
import type { RuleSettings } from "./rule-settings.js";

/** Arbitrary constant naming the advisory lock of the evaluator (one replica evaluates at a time). */
export const ALERT_EVALUATION_LOCK = 7_300_011;

/** An alert that fired in this pass, with what its webhook needs. */
export interface FiredAlert {
  alert: StoredAlert;
  rule: RuleSettings;
  /** When set, the block the alert created ends then. */
  blockedUntil?: Date;
}

/** The result of a pass: skipped when another replica held the lock. */
export type EvaluationResult = { evaluated: false } | { evaluated: true; fired: FiredAlert[] };

// Whether the rule already fired for this identity (and model) within its suppression period.
async function recentlyFired(tx: EntityManager, finding: Finding, rule: RuleSettings, now: Date): Promise<boolean> {
  const since = new Date(now.getTime() - suppressionSeconds(rule.condition) * 1000);
  const rows = await tx.execute<{ found: number }[]>(
    `select 1 as found from alert where rule = ? and subject = ? and issuer = ? and fired_at > ?
       and coalesce(details->>'model', '') = ? limit 1`,
    [finding.rule, finding.subject, finding.issuer, since.toISOString(), finding.model],
  );
  return rows.length > 0;
}

async function fire(tx: EntityManager, finding: Finding, rule: RuleSettings, now: Date): Promise<FiredAlert | undefined> {
  if (await recentlyFired(tx, finding, rule, now)) return undefined;
  const blocking = rule.autoBlockSeconds !== undefined;
  const alert = await insertAlert(tx, finding, blocking, now);
  if (!alert) return undefined;
  let blockedUntil: Date | undefined;
  if (rule.autoBlockSeconds !== undefined) {
    blockedUntil = new Date(now.getTime() + rule.autoBlockSeconds * 1000);
    await createBlock(tx, {
      subject: finding.subject, issuer: finding.issuer, reason: finding.summary, rule: rule.name,
      expireTime: blockedUntil, createdBy: `alert-rule:${rule.name}`,
    }, now);
  }
  await noteAudit(tx, {
    type: "alert",
    subject: finding.subject,
    payload: {
      alertId: alert.id, rule: rule.name, issuer: finding.issuer, summary: finding.summary, observed: finding.observed,
      baseline: finding.baseline, model: finding.model, sessionIds: finding.sessionIds, sinks: rule.sinks,
      ...(blockedUntil ? { blockedUntil: blockedUntil.toISOString() } : {}),
    },
  });
  return { alert, rule, blockedUntil };
}

/** Runs one pass at `now` unless another replica is evaluating (then `evaluated: false`). */
export async function evaluateRules(db: Database, now: Date): Promise<EvaluationResult> {
  // Without rules (the usual idle case) no transaction or lock is needed at all.
  if ((await loadRuleSettings(db.em())).length === 0) return { evaluated: true, fired: [] };
  return db.transaction(async (tx) => {
    const lock = await tx.execute<{ locked: boolean }[]>("select pg_try_advisory_xact_lock(?) as locked", [ALERT_EVALUATION_LOCK]);
    if (!lock[0]?.locked) return { evaluated: false };
    // Every query first, then the writes: the audit append holds the chain's lock until commit.
    const found: Array<{ rule: RuleSettings; finding: Finding }> = [];
    for (const rule of await loadRuleSettings(tx)) {
      for (const finding of await findAnomalies(tx, rule, now.getTime())) found.push({ rule, finding });
    }
    const fired: FiredAlert[] = [];
    for (const { rule, finding } of found) {
      const done = await fire(tx, finding, rule, now);
      if (done) fired.push(done);
    }
    return { evaluated: true, fired };
  });
}

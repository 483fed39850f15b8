// One budget pass at one instant: every budget's current period summed per scope from the recorded
// exchanges, under an advisory lock so one control-plane replica evaluates at a time. Scopes past a
// threshold raise an alert once per period (audit log, so AuditSinks deliver it; and the budget's
// webhook); scopes past the first threshold or spent are stored for the agents' snapshots, all in
// one transaction.
import type { EntityManager } from "@mikro-orm/sql";
import { type Finding, insertAlert, type StoredAlert } from "../alerts/alert-store.js";
import { noteAudit } from "../blocks/block-audit.js";
import type { Database } from "../storage/database.js";
import { loadBudgets } from "../storage/resources/budgets.js";
import { periodAt } from "./budget-period.js";
import type { BudgetSettings } from "./budget-settings.js";
import { type ScopeSpend, spendByScope, usedShare } from "./budget-spend.js";
import { type BudgetState, storeBudgetStates } from "./budget-states.js";

/** The share of a budget from which agents are sent a scope's state. */
export const PUSH_FROM = 0.5;

/** Arbitrary constant naming the advisory lock of the budget evaluator. */
export const BUDGET_EVALUATION_LOCK = 7_300_014;

/** An alert a threshold raised in this pass. */
export interface BudgetAlert {
  alert: StoredAlert;
  budget: BudgetSettings;
  threshold: number;
  resetTime: Date;
}

/** What a pass found: per budget, its scopes' spending (for metrics); the alerts raised. */
export interface BudgetPass {
  evaluated: boolean;
  spending: Map<string, { budget: BudgetSettings; scopes: ScopeSpend[] }>;
  alerts: BudgetAlert[];
}

/** "1234 of 5000 tokens, 1.20 of 10.00 in cost this month (Europe/Paris)" */
export function spendSummary(budget: BudgetSettings, spend: Pick<ScopeSpend, "tokens" | "cost">): string {
  const parts = [
    ...(budget.tokens > 0 ? [`${spend.tokens} of ${budget.tokens} tokens`] : []),
    ...(budget.cost > 0 ? [`${spend.cost.toFixed(2)} of ${budget.cost.toFixed(2)} in cost`] : []),
  ];
  return `${parts.join(", ")} this ${budget.period} (${budget.timeZone})`;
}

/** The alert's subject: the subject itself for per-subject budgets, else `per:key`. */
const alertSubject = (budget: BudgetSettings, key: string) => (budget.per === "subject" ? key : `${budget.per}:${key}`);

async function raise(tx: EntityManager, budget: BudgetSettings, spend: ScopeSpend, threshold: number, period: { start: Date; end: Date }, now: Date): Promise<BudgetAlert | undefined> {
  const used = usedShare(budget, spend);
  const finding: Finding = {
    rule: `budget:${budget.name}`, subject: alertSubject(budget, spend.key), issuer: "",
    dedupKey: `${period.start.toISOString()}:${threshold}`, sessionIds: [],
    summary: `budget ${budget.name} at ${Math.floor(used * 100)} % (threshold ${threshold} %): ${spendSummary(budget, spend)}`,
    observed: used * 100, baseline: threshold, model: "",
  };
  const alert = await insertAlert(tx, finding, false, now);
  if (!alert) return undefined; // already raised this period
  await noteAudit(tx, {
    type: "alert",
    subject: finding.subject,
    payload: {
      alertId: alert.id, rule: finding.rule, budget: budget.name, per: budget.per, key: spend.key, threshold,
      summary: finding.summary, spentTokens: spend.tokens, estimatedTokens: spend.estimated, spentCost: spend.cost, resetTime: period.end.toISOString(), sinks: budget.sinks,
    },
  });
  return { alert, budget, threshold, resetTime: period.end };
}

/** Runs one pass at `now` unless another replica is evaluating. */
export async function evaluateBudgets(db: Database, now: Date): Promise<BudgetPass> {
  const spending = new Map<string, { budget: BudgetSettings; scopes: ScopeSpend[] }>();
  // Without budgets (the usual idle case) and nothing left to withdraw, no transaction or lock at all.
  if ((await loadBudgets(db.em())).length === 0 && (await db.em().execute("select 1 from budget_state limit 1")).length === 0) {
    return { evaluated: true, spending, alerts: [] };
  }
  return db.transaction(async (tx) => {
    const lock = await tx.execute<{ locked: boolean }[]>("select pg_try_advisory_xact_lock(?) as locked", [BUDGET_EVALUATION_LOCK]);
    if (!lock[0]?.locked) return { evaluated: false, spending, alerts: [] };
    const budgets = await loadBudgets(tx);
    const wanted: BudgetState[] = [];
    const steps = new Map<string, number>();
    const crossed: Array<{ budget: BudgetSettings; spend: ScopeSpend; threshold: number; period: { start: Date; end: Date } }> = [];
    // Every query first, then the writes: the audit append holds the chain's lock until commit.
    for (const budget of budgets) {
      const period = periodAt(budget.period, budget.timeZone, now);
      const scopes = await spendByScope(tx, budget, period.start, period.end);
      spending.set(budget.name, { budget, scopes });
      steps.set(budget.name, Math.max(1, Math.floor(budget.tokens / 100)));
      for (const spend of scopes) {
        const used = usedShare(budget, spend);
        for (const threshold of budget.thresholds) if (used * 100 >= threshold) crossed.push({ budget, spend, threshold, period });
        // Agents learn of a scope from half its budget (or its first threshold, if lower): enough for
        // them to refuse up front a max_tokens above what is left, without a state per caller.
        if (used < Math.min(PUSH_FROM, budget.thresholds[0]! / 100)) continue;
        wanted.push({
          budget: budget.name, key: spend.key, periodStart: period.start, resetTime: period.end, spent: used >= 1,
          remainingTokens: budget.tokens > 0 ? Math.max(0, budget.tokens - spend.tokens) : 0, summary: spendSummary(budget, spend),
        });
      }
    }
    const alerts: BudgetAlert[] = [];
    for (const { budget, spend, threshold, period } of crossed) {
      const raised = await raise(tx, budget, spend, threshold, period, now);
      if (raised) alerts.push(raised);
    }
    await storeBudgetStates(tx, wanted, steps);
    return { evaluated: true, spending, alerts };
  });
}

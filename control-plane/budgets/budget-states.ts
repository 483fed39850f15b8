// The budget scopes agents are told about (table `budget_state`): those past half their budget (or
// its first threshold, if lower), or spent, in the current period. Written only when what agents would do changes
// (spent or not, a new period) or the remaining tokens moved by 1 % of the cap, each write with a
// change event so that every replica pushes a new snapshot.
import type { EntityManager } from "@mikro-orm/sql";
import { recordChange } from "../storage/change-events.js";

/** One scope as agents get it. */
export interface BudgetState {
  budget: string;
  key: string;
  periodStart: Date;
  resetTime: Date;
  spent: boolean;
  remainingTokens: number;
  summary: string;
}

interface StateRow {
  budget: string; scope_key: string; period_start: Date | string; reset_time: Date | string; spent: boolean;
  remaining_tokens: string | number; summary: string;
}

const fromRow = (row: StateRow): BudgetState => ({
  budget: row.budget, key: row.scope_key, periodStart: new Date(row.period_start), resetTime: new Date(row.reset_time),
  spent: row.spent, remainingTokens: Number(row.remaining_tokens), summary: row.summary,
});

/** Every stored state whose period has not ended at `now`. */
export async function liveBudgetStates(em: EntityManager, now: Date): Promise<BudgetState[]> {
  const rows = await em.execute<StateRow[]>("select * from budget_state where reset_time > ? order by budget, scope_key", [now.toISOString()]);
  return rows.map(fromRow);
}

const idOf = (state: Pick<BudgetState, "budget" | "key">) => `${state.budget}\u0000${state.key}`;

/**
 * Makes the stored states `wanted` inside `tx` (the evaluator's lock held): writes what agents
 * must learn, deletes the rest, and records one change event when anything was written.
 * `tokenStep` gives, per budget, the remaining-token move worth a new snapshot (1 % of its cap).
 */
export async function storeBudgetStates(tx: EntityManager, wanted: readonly BudgetState[], tokenStep: ReadonlyMap<string, number>): Promise<boolean> {
  const stored = new Map((await tx.execute<StateRow[]>("select * from budget_state")).map((row) => [idOf(fromRow(row)), fromRow(row)]));
  let changed = false;
  for (const state of wanted) {
    const id = idOf(state);
    const before = stored.get(id);
    stored.delete(id);
    const step = tokenStep.get(state.budget) ?? 1;
    if (before && before.spent === state.spent && before.periodStart.getTime() === state.periodStart.getTime()
      && Math.abs(before.remainingTokens - state.remainingTokens) < step) continue;
    await tx.execute(
      `insert into budget_state (budget, scope_key, period_start, reset_time, spent, remaining_tokens, summary, updated_at)
       values (?, ?, ?, ?, ?, ?, ?, now())
       on conflict (budget, scope_key) do update set period_start = excluded.period_start, reset_time = excluded.reset_time,
         spent = excluded.spent, remaining_tokens = excluded.remaining_tokens, summary = excluded.summary, updated_at = now()`,
      [state.budget, state.key, state.periodStart.toISOString(), state.resetTime.toISOString(), state.spent, state.remainingTokens, state.summary],
    );
    changed = true;
  }
  for (const gone of stored.values()) {
    await tx.execute("delete from budget_state where budget = ? and scope_key = ?", [gone.budget, gone.key]);
    changed = true;
  }
  if (changed) await recordChange(tx, { kind: "budget_state", name: "budgets", action: "update", actor: "budget-evaluator" });
  return changed;
}

// Budget scopes as agents receive them: the stored states (budget-states.ts) with their budget's
// `per` and filters, so an agent can tell which requests a state covers.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { EntityManager } from "@mikro-orm/sql";
import { type BudgetState, BudgetStateSchema } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { loadBudgets } from "../storage/resources/budgets.js";
import { liveBudgetStates } from "./budget-states.js";

/** Every live state of an existing budget at `now`, in the agent's form. */
export async function budgetStatesForAgents(em: EntityManager, now: Date): Promise<BudgetState[]> {
  const states = await liveBudgetStates(em, now);
  if (states.length === 0) return [];
  const budgets = new Map((await loadBudgets(em)).map((budget) => [budget.name, budget]));
  return states.flatMap((state) => {
    const budget = budgets.get(state.budget);
    if (!budget) return []; // deleted since: the next pass withdraws the state
    return [create(BudgetStateSchema, {
      budget: state.budget, per: budget.per, key: state.key,
      subjects: budget.subjects, groups: budget.groups, connections: budget.connections,
      // A pattern goes with every entry in model_patterns (an older agent, reading no model filter, refuses more).
      ...(budget.models.some((model) => model.endsWith("*")) ? { modelPatterns: budget.models } : { models: budget.models }),
      tokensCapped: budget.tokens > 0, remainingTokens: BigInt(state.remainingTokens), spent: state.spent,
      resetTime: timestampFromDate(state.resetTime), summary: state.summary,
    })];
  });
}

// palisade.admin.v1.BudgetService: each budget's scopes in the current period, summed from the
// recorded usage at the time of the call (the same sums the evaluator uses).
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { type BudgetService, type BudgetStatus, BudgetStatusSchema } from "../../gen/palisade/admin/v1/budget_service_pb.js";
import type { Database } from "../storage/database.js";
import { loadBudgets } from "../storage/resources/budgets.js";
import { periodAt } from "./budget-period.js";
import { spendByScope, usedShare } from "./budget-spend.js";

/** The BudgetService implementation over `db`; `now` is its clock. */
export function createBudgetService(db: Pick<Database, "em">, now: () => Date = () => new Date()): ServiceImpl<typeof BudgetService> {
  return {
    async listBudgetStatus(request) {
      const em = db.em();
      const all = await loadBudgets(em);
      const budgets = request.budget ? all.filter((budget) => budget.name === request.budget) : all;
      if (request.budget && budgets.length === 0) throw new ConnectError(`budget "${request.budget}" not found`, Code.NotFound);
      const statuses: BudgetStatus[] = [];
      const at = now();
      for (const budget of budgets) {
        const period = periodAt(budget.period, budget.timeZone, at);
        const scopes = (await spendByScope(em, budget, period.start, period.end))
          .map((spend) => ({ spend, used: usedShare(budget, spend) }))
          .sort((a, b) => b.used - a.used);
        for (const { spend, used } of scopes) {
          statuses.push(create(BudgetStatusSchema, {
            budget: budget.name, per: budget.per, key: spend.key,
            periodStart: timestampFromDate(period.start), resetTime: timestampFromDate(period.end),
            spentTokens: BigInt(spend.tokens), tokenLimit: BigInt(budget.tokens),
            remainingTokens: BigInt(budget.tokens > 0 ? Math.max(0, budget.tokens - spend.tokens) : 0),
            spentCost: spend.cost, costLimit: budget.cost, remainingCost: budget.cost > 0 ? Math.max(0, budget.cost - spend.cost) : 0,
            used, spent: used >= 1, unpricedTokens: BigInt(spend.unpriced),
            estimatedTokens: BigInt(spend.estimated),
          }));
        }
      }
      return { statuses };
    },
  };
}

// Budgets (control-plane/budgets/), stored with their defaults filled in so `get` shows what is in force.
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { InferEntity } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/sql";
import { type Budget, Kind } from "../../../gen/palisade/admin/v1/resources_pb.js";
import { type BudgetPer, budgetMessage, budgetSettings, type BudgetSettings, type PeriodName } from "../../budgets/budget-settings.js";
import { BudgetRow } from "../budget-entities.js";
import { rowKind } from "./row-kind.js";

type Row = InferEntity<typeof BudgetRow>;

function settingsOf(row: Row): BudgetSettings {
  return {
    name: row.name, per: row.per as BudgetPer, period: row.period as PeriodName, timeZone: row.timeZone,
    tokens: Number(row.tokens), cost: Number(row.cost), subjects: row.subjects, groups: row.groups, connections: row.connections,
    models: row.models, thresholds: row.thresholds, sinks: row.sinks, webhook: row.webhook, description: row.description,
  };
}

function toMessage(row: Row): Budget {
  const message = budgetMessage(settingsOf(row));
  message.createTime = timestampFromDate(row.createdAt);
  message.updateTime = timestampFromDate(row.updatedAt);
  return message;
}

/** Every budget, ordered by name, as the evaluator reads them. */
export async function loadBudgets(em: EntityManager): Promise<BudgetSettings[]> {
  const rows = await em.find(BudgetRow, {}, { orderBy: { name: "asc" } });
  return rows.map(settingsOf);
}

/** Storage of Budget resources. */
export const budgets = rowKind({
  kind: Kind.BUDGET,
  label: "budget",
  entity: BudgetRow,
  toMessage,
  columns: (message: Budget) => {
    const { name: _name, tokens, ...rest } = budgetSettings(message);
    return { ...rest, tokens: BigInt(tokens) };
  },
  same: (row, wanted) => JSON.stringify(settingsOf(row)) === JSON.stringify(settingsOf({ ...row, ...wanted })),
});

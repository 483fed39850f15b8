// Rows of model prices and budgets (migration 0018). Budget scopes (`budget_state`) are written
// with SQL in control-plane/budgets/; these two are resources, read and written through the ORM.
import { defineEntity, p } from "@mikro-orm/core";

/** A ModelPrice: what one model (or model prefix) costs per million tokens. */
export const ModelPriceRow = defineEntity({
  name: "ModelPriceRow",
  tableName: "model_price",
  properties: {
    name: p.string().primary(),
    model: p.text(),
    inputPerMillion: p.double(),
    outputPerMillion: p.double(),
    cachedInputPerMillion: p.double(),
    description: p.text(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});

/** A Budget; `per` and `period` by name ("subject", "month"), filters and thresholds as lists. */
export const BudgetRow = defineEntity({
  name: "BudgetRow",
  tableName: "budget",
  properties: {
    name: p.string().primary(),
    per: p.string(),
    period: p.string(),
    timeZone: p.text(),
    tokens: p.bigint(),
    cost: p.double(),
    subjects: p.json<string[]>(),
    groups: p.json<string[]>(),
    connections: p.json<string[]>(),
    models: p.json<string[]>(),
    thresholds: p.json<number[]>(),
    sinks: p.json<string[]>(),
    webhook: p.text(),
    description: p.text(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});

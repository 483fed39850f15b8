// Budgets and model prices as the control plane works with them: checked (INVALID_ARGUMENT naming
// the resource), defaults filled in, and turned back into API messages with those defaults shown.
import { create } from "@bufbuild/protobuf";
import { type Budget, BudgetPeriod, BudgetSchema, BudgetScope, type ModelPrice } from "../../gen/palisade/admin/v1/resources_pb.js";
import { IANAZone } from "luxon";
import { checkName, invalid } from "../admin/input-checks.js";
import { webhookUrlProblem } from "../webhooks/webhook-url.js";

/** What a budget is counted per, by name. */
export type BudgetPer = "subject" | "group" | "connection" | "model" | "all";
/** A budget's period, by name. */
export type PeriodName = "day" | "week" | "month";

/** A budget with its defaults filled in. */
export interface BudgetSettings {
  name: string;
  per: BudgetPer;
  period: PeriodName;
  timeZone: string;
  /** 0: no token cap. */
  tokens: number;
  /** 0: no cost cap. */
  cost: number;
  subjects: string[];
  groups: string[];
  connections: string[];
  models: string[];
  /** Percentages, ascending. */
  thresholds: number[];
  sinks: string[];
  webhook: string;
  description: string;
}

const PERS = new Map<BudgetScope, BudgetPer>([
  [BudgetScope.SUBJECT, "subject"], [BudgetScope.GROUP, "group"], [BudgetScope.CONNECTION, "connection"],
  [BudgetScope.MODEL, "model"], [BudgetScope.ALL, "all"],
]);
const PERIODS = new Map<BudgetPeriod, PeriodName>([[BudgetPeriod.DAY, "day"], [BudgetPeriod.WEEK, "week"], [BudgetPeriod.MONTH, "month"]]);
const DEFAULT_THRESHOLDS = [80, 100];

const keyOf = <K, V>(map: ReadonlyMap<K, V>, value: V, unset: K): K => [...map].find(([, v]) => v === value)?.[0] ?? unset;

/** Checks `budget` and fills in its defaults; throws INVALID_ARGUMENT naming it. */
export function budgetSettings(budget: Budget): BudgetSettings {
  const what = `budget "${budget.name}"`;
  checkName("budget", budget.name);
  const per = PERS.get(budget.per);
  if (!per) throw invalid(`${what}: per must be subject, group, connection, model or all`);
  const period = PERIODS.get(budget.period);
  if (!period) throw invalid(`${what}: period must be day, week or month`);
  const timeZone = budget.timeZone === "" ? "UTC" : budget.timeZone;
  if (!IANAZone.isValidZone(timeZone)) throw invalid(`${what}: timeZone "${timeZone}" is not an IANA time zone (e.g. Europe/Paris, UTC)`);
  if (budget.tokens > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid(`${what}: tokens must be at most ${Number.MAX_SAFE_INTEGER}`);
  if (!Number.isFinite(budget.cost) || budget.cost < 0) throw invalid(`${what}: cost must be a number of at least 0`);
  if (budget.tokens === 0n && budget.cost === 0) throw invalid(`${what}: set tokens, cost or both`);
  const thresholds = budget.thresholds.length === 0 ? DEFAULT_THRESHOLDS : [...new Set(budget.thresholds)].sort((a, b) => a - b);
  if (thresholds.some((t) => t < 1 || t > 100)) throw invalid(`${what}: thresholds are percentages between 1 and 100`);
  for (const [field, list] of [["subjects", budget.subjects], ["groups", budget.groups], ["connections", budget.connections], ["models", budget.models], ["sinks", budget.sinks]] as const) {
    if (list.some((entry) => entry.trim() === "")) throw invalid(`${what}: ${field} must not hold empty strings`);
  }
  const webhookProblem = budget.webhook === "" ? undefined : webhookUrlProblem(budget.webhook);
  if (webhookProblem) throw invalid(`${what}: webhook ${webhookProblem}`);
  return {
    name: budget.name, per, period, timeZone, tokens: Number(budget.tokens), cost: budget.cost,
    subjects: [...budget.subjects], groups: [...budget.groups], connections: [...budget.connections], models: [...budget.models],
    thresholds, sinks: [...budget.sinks], webhook: budget.webhook, description: budget.description,
  };
}

/** The API message of `settings` (defaults shown). */
export function budgetMessage(settings: BudgetSettings): Budget {
  return create(BudgetSchema, {
    name: settings.name,
    per: keyOf(PERS, settings.per, BudgetScope.UNSPECIFIED),
    period: keyOf(PERIODS, settings.period, BudgetPeriod.UNSPECIFIED),
    timeZone: settings.timeZone,
    tokens: BigInt(settings.tokens),
    cost: settings.cost,
    subjects: settings.subjects, groups: settings.groups, connections: settings.connections, models: settings.models,
    thresholds: settings.thresholds, sinks: settings.sinks, webhook: settings.webhook, description: settings.description,
  });
}

/** Checks a ModelPrice; throws INVALID_ARGUMENT naming it. */
export function checkModelPrice(price: ModelPrice): void {
  const what = `model price "${price.name}"`;
  checkName("model price", price.name);
  if (price.model.trim() === "") throw invalid(`${what}: model is required (a name, a prefix ending in *, or * for every model)`);
  if (price.model.indexOf("*") !== -1 && price.model.indexOf("*") !== price.model.length - 1) throw invalid(`${what}: * may only end the model`);
  for (const [field, value] of [["inputPerMillion", price.inputPerMillion], ["outputPerMillion", price.outputPerMillion], ["cachedInputPerMillion", price.cachedInputPerMillion]] as const) {
    if (!Number.isFinite(value) || value < 0) throw invalid(`${what}: ${field} must be a number of at least 0`);
  }
}

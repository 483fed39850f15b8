// Budgets as the control plane works with them: checked beyond the contract's field rules (the time
// zone, the webhook rule; INVALID_ARGUMENT naming the budget), defaults filled in, and turned back
// into API messages with those defaults shown. A ModelPrice's rules are all in the contract.
import { create } from "@bufbuild/protobuf";
import { type Budget, BudgetPeriod, BudgetSchema, BudgetScope } from "../../gen/palisade/admin/v1/resources_pb.js";
import { IANAZone } from "luxon";
import { invalid } from "../admin/input-checks.js";
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

/** Checks `budget` (the contract has checked its fields) and fills in its defaults; throws INVALID_ARGUMENT naming it. */
export function budgetSettings(budget: Budget): BudgetSettings {
  const what = `budget "${budget.name}"`;
  const per = PERS.get(budget.per);
  const period = PERIODS.get(budget.period);
  // The contract refuses unset and unknown values of both before this runs.
  if (!per || !period) throw new Error(`${what}: per or period outside the contract`);
  const timeZone = budget.timeZone === "" ? "UTC" : budget.timeZone;
  if (!IANAZone.isValidZone(timeZone)) throw invalid(`${what}: timeZone "${timeZone}" is not an IANA time zone (e.g. Europe/Paris, UTC)`);
  const thresholds = budget.thresholds.length === 0 ? DEFAULT_THRESHOLDS : [...new Set(budget.thresholds)].sort((a, b) => a - b);
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

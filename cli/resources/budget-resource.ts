// `kind: ModelPrice` and `kind: Budget` in the resource file: read from YAML, printed back (so
// `get -o yaml` output applies again, defaults shown), and their table columns.
import { create } from "@bufbuild/protobuf";
import {
  type Budget, BudgetPeriod, BudgetSchema, BudgetScope, type ModelPrice, ModelPriceSchema, ResourceSchema, type Resource,
} from "../../gen/palisade/admin/v1/resources_pb.js";
import type { Columns } from "../output.js";
import type { MappingFields } from "./yaml-fields.js";

/** The fields a ModelPrice takes besides `kind` and `name`. */
export const MODEL_PRICE_FIELDS = ["model", "inputPerMillion", "outputPerMillion", "cachedInputPerMillion", "description"] as const;
/** The fields a Budget takes besides `kind` and `name`. */
export const BUDGET_FIELDS = [
  "per", "period", "timeZone", "tokens", "cost", "subjects", "groups", "connections", "models", "thresholds", "sinks", "webhook", "description",
] as const;

const PERS: Record<string, BudgetScope> = {
  subject: BudgetScope.SUBJECT, group: BudgetScope.GROUP, connection: BudgetScope.CONNECTION, model: BudgetScope.MODEL, all: BudgetScope.ALL,
};
const PERIODS: Record<string, BudgetPeriod> = { day: BudgetPeriod.DAY, week: BudgetPeriod.WEEK, month: BudgetPeriod.MONTH };
const MAX_PRICE = 1_000_000;

function enumField<T>(fields: MappingFields, key: string, values: Record<string, T>): T {
  const text = fields.string(key, true);
  const value = Object.hasOwn(values, text) ? values[text] : undefined;
  if (value === undefined) throw fields.errorAt(key, `unknown ${key} "${text}" (${Object.keys(values).join(", ")})`);
  return value;
}

const nameOf = <T>(values: Record<string, T>, value: T) => Object.keys(values).find((key) => values[key] === value) ?? "";

/** Reads a ModelPrice document. */
export function readModelPrice(fields: MappingFields, name: string): Resource {
  const price = create(ModelPriceSchema, {
    name,
    model: fields.string("model", true),
    inputPerMillion: fields.number("inputPerMillion", 0, MAX_PRICE) ?? 0,
    outputPerMillion: fields.number("outputPerMillion", 0, MAX_PRICE) ?? 0,
    cachedInputPerMillion: fields.number("cachedInputPerMillion", 0, MAX_PRICE) ?? 0,
    description: fields.string("description") ?? "",
  });
  return create(ResourceSchema, { resource: { case: "modelPrice", value: price } });
}

/** Reads a Budget document; the server checks the time zone and fills the defaults. */
export function readBudget(fields: MappingFields, name: string): Resource {
  const budget = create(BudgetSchema, {
    name,
    per: enumField(fields, "per", PERS),
    period: enumField(fields, "period", PERIODS),
    timeZone: fields.string("timeZone") ?? "",
    tokens: BigInt(fields.integer("tokens", 0, Number.MAX_SAFE_INTEGER) ?? 0),
    cost: fields.number("cost", 0, Number.MAX_SAFE_INTEGER) ?? 0,
    subjects: fields.strings("subjects"),
    groups: fields.strings("groups"),
    connections: fields.strings("connections"),
    models: fields.strings("models"),
    thresholds: fields.integers("thresholds", 1, 100),
    sinks: fields.strings("sinks"),
    webhook: fields.string("webhook") ?? "",
    description: fields.string("description") ?? "",
  });
  return create(ResourceSchema, { resource: { case: "budget", value: budget } });
}

/** A model price in file format. */
export function modelPriceView(p: ModelPrice): Record<string, unknown> & { kind: "ModelPrice"; name: string } {
  return {
    kind: "ModelPrice", name: p.name, model: p.model, inputPerMillion: p.inputPerMillion, outputPerMillion: p.outputPerMillion,
    ...(p.cachedInputPerMillion > 0 ? { cachedInputPerMillion: p.cachedInputPerMillion } : {}),
    ...(p.description !== "" ? { description: p.description } : {}),
  };
}

/** A budget in file format; empty lists left out. */
export function budgetView(b: Budget): Record<string, unknown> & { kind: "Budget"; name: string } {
  const list = (key: string, values: readonly string[]) => (values.length > 0 ? { [key]: [...values] } : {});
  return {
    kind: "Budget", name: b.name, per: nameOf(PERS, b.per), period: nameOf(PERIODS, b.period), timeZone: b.timeZone,
    ...(b.tokens > 0n ? { tokens: Number(b.tokens) } : {}), ...(b.cost > 0 ? { cost: b.cost } : {}),
    ...list("subjects", b.subjects), ...list("groups", b.groups), ...list("connections", b.connections), ...list("models", b.models),
    thresholds: [...b.thresholds], ...list("sinks", b.sinks), ...(b.webhook !== "" ? { webhook: b.webhook } : {}),
    ...(b.description !== "" ? { description: b.description } : {}),
  };
}

const text = (key: string) => (r: Record<string, unknown>) => (r[key] === undefined ? "" : String(r[key]));

/** `get modelprices` columns. */
export const MODEL_PRICE_COLUMNS: Columns<Record<string, unknown>> = [
  ["name", text("name")], ["model", text("model")], ["input/1M", text("inputPerMillion")], ["output/1M", text("outputPerMillion")],
  ["cached/1M", (r) => text("cachedInputPerMillion")(r) || "= input"], ["description", text("description")],
];

/** `get budgets` columns. */
export const BUDGET_COLUMNS: Columns<Record<string, unknown>> = [
  ["name", text("name")], ["per", text("per")], ["period", (r) => `${text("period")(r)} (${text("timeZone")(r)})`],
  ["tokens", (r) => text("tokens")(r) || "-"], ["cost", (r) => text("cost")(r) || "-"],
  ["filters", (r) => ["subjects", "groups", "connections", "models"].filter((key) => Array.isArray(r[key])).map((key) => `${key}=${(r[key] as string[]).join(",")}`).join(" ")],
  ["thresholds", (r) => (Array.isArray(r.thresholds) ? r.thresholds.map((t) => `${t}%`).join(",") : "")],
];

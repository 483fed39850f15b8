// `palisade budgets [NAME]`: each budget's scopes in the current period (spent, remaining, reset
// time), counted from the recorded usage when asked.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Command } from "commander";
import type { BudgetStatus } from "../../gen/palisade/admin/v1/budget_service_pb.js";
import { withAdmin } from "../admin.js";
import type { CliContext } from "../context.js";
import { outputOption, renderList, type Columns, type OutputFormat } from "../output.js";
import { withAdminOptions, type AdminFlags } from "../settings.js";

interface BudgetsFlags extends AdminFlags {
  output: OutputFormat;
}

/** A scope as printed and as JSON/YAML. */
type StatusView = Record<string, string | number | boolean>;

const money = (value: number) => Math.round(value * 1e6) / 1e6;

function view(status: BudgetStatus): StatusView {
  return {
    budget: status.budget, per: status.per, scope: status.key,
    periodStart: status.periodStart ? timestampDate(status.periodStart).toISOString() : "",
    resetTime: status.resetTime ? timestampDate(status.resetTime).toISOString() : "",
    spentTokens: Number(status.spentTokens), tokenLimit: Number(status.tokenLimit), remainingTokens: Number(status.remainingTokens),
    spentCost: money(status.spentCost), costLimit: status.costLimit, remainingCost: money(status.remainingCost),
    used: Math.round(status.used * 10_000) / 10_000, spent: status.spent, unpricedTokens: Number(status.unpricedTokens),
    estimatedTokens: Number(status.estimatedTokens),
  };
}

const COLUMNS: Columns<StatusView> = [
  ["budget", (v) => String(v.budget)],
  ["scope", (v) => (v.per === "all" ? "all" : `${v.per} ${v.scope}`)],
  ["tokens", (v) => (Number(v.tokenLimit) > 0 ? `${v.spentTokens} / ${v.tokenLimit}` : `${v.spentTokens}`)],
  // Of the tokens, those agents estimated (the provider never reported them): docs/budgets.md.
  ["estimated", (v) => String(v.estimatedTokens)],
  ["remaining", (v) => (Number(v.tokenLimit) > 0 ? String(v.remainingTokens) : "-")],
  ["cost", (v) => `${Number(v.spentCost).toFixed(2)}${Number(v.costLimit) > 0 ? ` / ${Number(v.costLimit).toFixed(2)}` : ""}${Number(v.unpricedTokens) > 0 ? "*" : ""}`],
  ["used", (v) => `${Math.floor(Number(v.used) * 100)}%`],
  ["state", (v) => (v.spent ? "SPENT" : "ok")],
  ["resets", (v) => String(v.resetTime)],
];

/** Registers `budgets`. */
export function registerBudgets(program: Command, ctx: CliContext): void {
  withAdminOptions(
    program
      .command("budgets")
      .description("spending of each Budget per scope in the current period: spent, remaining, reset time (* = some tokens unpriced)")
      .argument("[name]", "only this budget")
      .addOption(outputOption("table")),
  ).action(async (name: string | undefined, flags: BudgetsFlags) => {
    const response = await withAdmin(ctx, flags, (admin) => admin.budgets.listBudgetStatus({ budget: name ?? "" }));
    const views = response.statuses.map(view);
    if (views.length === 0 && flags.output === "table") ctx.err("No budget has usage in its current period.\n");
    ctx.out(renderList(flags.output, views, COLUMNS));
  });
}

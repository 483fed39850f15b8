// `palisade usage`: requests, provider-reported tokens and their cost (by the ModelPrice table) per
// subject, connection and/or model.
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Command } from "commander";
import { UsageDimension, type GetUsageResponse, type UsageRow } from "../../gen/palisade/admin/v1/usage_service_pb.js";
import { withAdmin } from "../admin.js";
import type { CliContext } from "../context.js";
import { parseDurationSeconds } from "../duration.js";
import { CliError } from "../errors.js";
import { outputOption, renderOne, renderTable, type Columns, type OutputFormat } from "../output.js";
import { withAdminOptions, type AdminFlags } from "../settings.js";

interface UsageFlags extends AdminFlags {
  by: string;
  since: string;
  until?: string;
  subject?: string;
  connection?: string;
  model?: string;
  output: OutputFormat;
}

const DIMENSIONS: Record<string, UsageDimension> = {
  subject: UsageDimension.SUBJECT, connection: UsageDimension.CONNECTION, model: UsageDimension.MODEL,
};

/** A row as printed and as JSON/YAML: the grouping fields asked for, then the sums as numbers. */
type UsageView = Record<string, string | number>;

function parseBy(text: string): string[] {
  const fields = text.split(",").map((field) => field.trim().toLowerCase()).filter(Boolean);
  for (const field of fields) {
    if (!(field in DIMENSIONS)) throw new CliError(`--by: unknown field "${field}" (subject, connection, model, or several joined by commas)`);
  }
  if (new Set(fields).size !== fields.length) throw new CliError("--by: a field appears twice");
  return fields.length ? fields : ["subject"];
}

/** A time: an RFC 3339 date-time, or a duration meaning that long ago (`24h`, `7d`). */
function parseTime(flag: string, text: string, now: Date): Date {
  if (/^\d+[smhd]/.test(text)) return new Date(now.getTime() - parseDurationSeconds(text) * 1000);
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new CliError(`${flag}: "${text}" is neither a duration (24h, 7d) nor a date-time (2026-11-29T00:00:00Z)`);
  return date;
}

function view(row: UsageRow, by: readonly string[]): UsageView {
  const groups = Object.fromEntries(by.map((field) => [field, row[field as "subject" | "connection" | "model"]]));
  return {
    ...groups,
    requests: Number(row.requests), refused: Number(row.refused), withoutUsage: Number(row.withoutUsage),
    promptTokens: Number(row.promptTokens), completionTokens: Number(row.completionTokens), totalTokens: Number(row.totalTokens),
    cost: Math.round(row.cost * 1e6) / 1e6, unpricedTokens: Number(row.unpricedTokens),
    estimated: Number(row.estimated), estimatedTokens: Number(row.estimatedTokens),
  };
}

function columns(by: readonly string[]): Columns<UsageView> {
  const text = (key: string) => (v: UsageView) => String(v[key] ?? "");
  return [
    ...by.map((field) => [field, (v: UsageView) => String(v[field]) || "-"] as const),
    ["requests", text("requests")], ["refused", text("refused")], ["no usage", text("withoutUsage")],
    ["prompt", text("promptTokens")], ["completion", text("completionTokens")], ["total", text("totalTokens")],
    // Of the total, what agents estimated for forwarded requests whose usage never came whole.
    ["estimated", text("estimatedTokens")],
    // Tokens of models without a ModelPrice add nothing to the cost: marked so the figure is not taken as whole.
    ["cost", (v: UsageView) => `${Number(v.cost).toFixed(4)}${Number(v.unpricedTokens) > 0 ? "*" : ""}`],
    ["unpriced", text("unpricedTokens")],
  ];
}

function render(format: OutputFormat, response: GetUsageResponse, by: readonly string[]): string {
  const rows = response.rows.map((row) => view(row, by));
  if (format !== "table") {
    return renderOne(format, {
      since: response.since ? timestampDate(response.since).toISOString() : "",
      until: response.until ? timestampDate(response.until).toISOString() : "",
      groupBy: [...by],
      rows,
      total: view(response.total!, []),
    });
  }
  const total = { ...Object.fromEntries(by.map((field, i) => [field, i === 0 ? "TOTAL" : ""])), ...view(response.total!, []) };
  return renderTable([...rows, total], columns(by));
}

/** Registers `usage`. */
export function registerUsage(program: Command, ctx: CliContext): void {
  withAdminOptions(
    program
      .command("usage")
      .description("requests, tokens (from the providers' usage; estimated by the agents where none came) and their cost (ModelPrice table; * = some tokens unpriced) per subject, connection or model")
      .option("--by <fields>", "group by subject, connection, model (several: subject,model)", "subject")
      .option("--since <time>", "start: a duration ago (24h, 7d) or a date-time", "24h")
      .option("--until <time>", "end: a duration ago or a date-time (default now)")
      .option("--subject <subject>", "only this caller")
      .option("--connection <name>", "only this connection")
      .option("--model <model>", "only this model")
      .addOption(outputOption("table")),
  ).action(async (flags: UsageFlags) => {
    const by = parseBy(flags.by);
    const now = new Date();
    const since = parseTime("--since", flags.since, now);
    const until = flags.until === undefined ? now : parseTime("--until", flags.until, now);
    if (!(since < until)) throw new CliError("--since must be before --until");
    const response = await withAdmin(ctx, flags, (admin) => admin.usage.getUsage({
      groupBy: by.map((field) => DIMENSIONS[field]!),
      since: timestampFromDate(since),
      until: timestampFromDate(until),
      subject: flags.subject ?? "",
      connection: flags.connection ?? "",
      model: flags.model ?? "",
    }));
    if (response.rows.length === 0 && flags.output === "table") ctx.err("No usage in this range.\n");
    ctx.out(render(flags.output, response, by));
  });
}

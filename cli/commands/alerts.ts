// `palisade alerts [--since 1h|TIME] [--rule R] [--subject S]`: alerts raised by AlertRules, newest first.
import { timestampDate, timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { Command } from "commander";
import type { Alert } from "../../gen/palisade/admin/v1/block_service_pb.js";
import { withAdmin } from "../admin.js";
import type { CliContext } from "../context.js";
import { parseDurationSeconds } from "../duration.js";
import { CliError } from "../errors.js";
import { outputOption, renderList, shortTime, type OutputFormat } from "../output.js";
import { withAdminOptions, type AdminFlags } from "../settings.js";

interface AlertFlags extends AdminFlags {
  since?: string;
  rule?: string;
  subject?: string;
  limit?: string;
  output: OutputFormat;
}

/** `--since`: a duration back from now (`1h`) or an ISO 8601 time. */
export function parseSince(text: string, now: Date): Date {
  if (/^\d+[smhd]/.test(text)) return new Date(now.getTime() - parseDurationSeconds(text) * 1000);
  const time = new Date(text);
  if (Number.isNaN(time.getTime())) throw new CliError(`invalid --since "${text}" (a duration such as 1h, or a time such as 2026-11-29T10:00:00Z)`);
  return time;
}

function iso(t: Timestamp | undefined): string | undefined {
  return t ? timestampDate(t).toISOString() : undefined;
}

function alertView(a: Alert): Record<string, unknown> {
  return {
    id: a.id, rule: a.rule, subject: a.subject, issuer: a.issuer, fireTime: iso(a.fireTime), summary: a.summary,
    observed: a.observed, baseline: a.baseline, ...(a.model ? { model: a.model } : {}), blocked: a.blocked, sessionIds: [...a.sessionIds],
  };
}

const COLUMNS = [
  ["fired", (a: Record<string, unknown>) => shortTime(new Date(String(a.fireTime)))],
  ["rule", (a: Record<string, unknown>) => String(a.rule)],
  ["subject", (a: Record<string, unknown>) => String(a.subject)],
  ["blocked", (a: Record<string, unknown>) => (a.blocked ? "yes" : "no")],
  ["sessions", (a: Record<string, unknown>) => String((a.sessionIds as string[]).length)],
  ["summary", (a: Record<string, unknown>) => String(a.summary)],
] as const;

/** Registers `alerts`. */
export function registerAlerts(program: Command, ctx: CliContext): void {
  withAdminOptions(
    program
      .command("alerts")
      .description("list alerts raised by alert rules, newest first (evidence session ids with -o json|yaml)")
      .option("--since <when>", "only alerts since a duration ago (1h) or a time (ISO 8601)")
      .option("--rule <name>", "only this rule's alerts")
      .option("--subject <subject>", "only alerts about this caller")
      .option("--limit <n>", "at most this many (default 100, at most 1000)")
      .addOption(outputOption("table")),
  ).action(async (flags: AlertFlags) => {
    const limit = flags.limit === undefined ? 0 : Number(flags.limit);
    if (!Number.isInteger(limit) || limit < 0) throw new CliError(`invalid --limit "${flags.limit}"`);
    const request = {
      since: flags.since === undefined ? undefined : timestampFromDate(parseSince(flags.since, new Date())),
      rule: flags.rule ?? "", subject: flags.subject ?? "", limit,
    };
    const { alerts } = await withAdmin(ctx, flags, (admin) => admin.blocks.listAlerts(request));
    if (alerts.length === 0 && flags.output === "table") ctx.err("No alerts.\n");
    ctx.out(renderList(flags.output, alerts.map(alertView), COLUMNS));
  });
}

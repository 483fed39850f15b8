// `palisade audit search`: sessions by who, where, what model, what verdict, when, and free text
// over the recorded prompts and responses, newest first, paged through ListSessions.
import type { Command } from "commander";
import { withAdmin } from "../admin.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { LIST_FORMATS, outputOption, writeList, type ListFormat } from "../output.js";
import { filterFields, type FilterFlags, withFilterOptions } from "../sessions/filter-flags.js";
import { sessionPages, type SessionQuery } from "../sessions/session-pages.js";
import { SESSION_COLUMNS, sessionView } from "../sessions/session-view.js";
import { withAdminOptions, type AdminFlags } from "../settings.js";

interface SearchFlags extends AdminFlags, FilterFlags {
  limit: string;
  pageToken?: string;
  output: ListFormat;
}

/** Registers `audit search` under `audit`. */
export function registerAuditSearch(audit: Command, ctx: CliContext): void {
  const command = audit
    .command("search")
    .description("find sessions by subject, group, connection, model, verdict, time and free text")
    .option("--limit <n>", "at most this many sessions", "50")
    .option("--page-token <token>", "continue after the page that printed this token")
    .addOption(outputOption("table", LIST_FORMATS));
  withAdminOptions(withFilterOptions(command, true)).action(async (flags: SearchFlags) => {
    const limit = parseLimit(flags.limit);
    const next = await printSessions(ctx, flags, filterFields(flags), flags.pageToken ?? "", limit);
    // More matched than --limit: say how to continue (stderr keeps stdout parseable).
    if (next) ctx.err(`More sessions match: --page-token ${next}\n`);
  });
}

/** `--limit`: a positive whole number. */
export function parseLimit(text: string): number {
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1) throw new CliError(`--limit must be a positive whole number, not "${text}"`);
  return limit;
}

/**
 * Prints up to `limit` sessions matching `query` in `flags.output`, streaming them as their pages
 * arrive (a table waits for all); resolves with the token that continues ("" when none is left).
 */
export async function printSessions(
  ctx: CliContext,
  flags: AdminFlags & { output: ListFormat },
  query: SessionQuery,
  pageToken: string,
  limit: number,
): Promise<string> {
  return withAdmin(ctx, flags, async (admin) => {
    const pages = sessionPages(admin, query, pageToken, limit);
    const views = (async function* () {
      for await (const session of pages.sessions) yield sessionView(session, false);
    })();
    const count = await writeList(ctx, flags.output, views, SESSION_COLUMNS);
    if (count === 0 && flags.output === "table") ctx.err("No sessions found.\n");
    const lag = pages.textIndexLag();
    if (lag) {
      const seconds = Math.max(1, Math.ceil(Number(lag.seconds) + lag.nanos / 1e9));
      ctx.err(`Note: the text index is ${seconds} s behind; sessions committed since may be missing from --text results.\n`);
    }
    return pages.nextPageToken();
  });
}

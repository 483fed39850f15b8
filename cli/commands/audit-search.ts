// `palisade audit search`: sessions by who, where, what model, what verdict, when, and free text
// over the recorded prompts and responses, newest first, paged through ListSessions.
import type { Command } from "commander";
import type { Session } from "../../gen/palisade/admin/v1/session_service_pb.js";
import { withAdmin } from "../admin.js";
import type { AdminClients } from "../client.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { outputOption, renderList, type OutputFormat } from "../output.js";
import { filterFields, type FilterFlags, withFilterOptions } from "../sessions/filter-flags.js";
import { SESSION_COLUMNS, sessionView } from "../sessions/session-view.js";
import { withAdminOptions, type AdminFlags } from "../settings.js";

interface SearchFlags extends AdminFlags, FilterFlags {
  limit: string;
  pageToken?: string;
  output: OutputFormat;
}

const MAX_PAGE = 1000;

/** Registers `audit search` under `audit`. */
export function registerAuditSearch(audit: Command, ctx: CliContext): void {
  const command = audit
    .command("search")
    .description("find sessions by subject, group, connection, model, verdict, time and free text")
    .option("--limit <n>", "at most this many sessions", "50")
    .option("--page-token <token>", "continue after the page that printed this token")
    .addOption(outputOption("table"));
  withAdminOptions(withFilterOptions(command, true)).action(async (flags: SearchFlags) => {
    const limit = Number(flags.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new CliError(`--limit must be a positive whole number, not "${flags.limit}"`);
    const request = { ...filterFields(flags), pageToken: flags.pageToken ?? "" };
    const found = await withAdmin(ctx, flags, (admin) => searchSessions(admin, request, limit));
    if (found.sessions.length === 0 && flags.output === "table") ctx.err("No sessions found.\n");
    ctx.out(renderList(flags.output, found.sessions.map((s) => sessionView(s, false)), SESSION_COLUMNS));
    // More matched than --limit: say how to continue (stderr keeps stdout parseable).
    if (found.nextPageToken) ctx.err(`More sessions match: --page-token ${found.nextPageToken}\n`);
  });
}

type SearchRequest = Partial<ReturnType<typeof filterFields>> & { pageToken: string };

/** Pages through ListSessions until `limit` sessions or the last page; the token continues. */
export async function searchSessions(admin: AdminClients, request: SearchRequest, limit: number) {
  const sessions: Session[] = [];
  let pageToken = request.pageToken;
  do {
    const page = await admin.sessions.listSessions({ ...request, pageSize: Math.min(limit - sessions.length, MAX_PAGE), pageToken });
    sessions.push(...page.sessions);
    pageToken = page.nextPageToken;
  } while (pageToken !== "" && sessions.length < limit);
  return { sessions, nextPageToken: pageToken };
}

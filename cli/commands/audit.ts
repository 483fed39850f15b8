// `palisade audit ...`: the recorded sessions. `list` is here; each other subcommand has its file.
import type { Command } from "commander";
import { withAdmin } from "../admin.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { outputOption, renderList, type OutputFormat } from "../output.js";
import { SESSION_COLUMNS, sessionView } from "../sessions/session-view.js";
import { withAdminOptions, type AdminFlags } from "../settings.js";
import { registerAuditExport } from "./audit-export.js";
import { registerAuditVerify } from "./audit-verify.js";
import { registerAuditReplay } from "./audit-replay.js";
import { registerAuditRotateKey } from "./audit-rotate-key.js";
import { registerAuditSearch, searchSessions } from "./audit-search.js";
import { registerAuditShow } from "./audit-show.js";
import { registerAuditTail } from "./audit-tail.js";

interface ListFlags extends AdminFlags {
  subject?: string;
  connection?: string;
  limit: string;
  output: OutputFormat;
}

/** Registers `audit` and its subcommands. */
export function registerAudit(program: Command, ctx: CliContext): void {
  const audit = program.command("audit").description("read the recorded exchanges");
  registerAuditVerify(audit, ctx);
  registerAuditExport(audit, ctx);
  registerAuditRotateKey(audit, ctx);
  withAdminOptions(
    audit
      .command("list")
      .description("list sessions, newest first")
      .option("--subject <subject>", "only this caller")
      .option("--connection <name>", "only this connection")
      .option("--limit <n>", "at most this many sessions", "50")
      .addOption(outputOption("table")),
  ).action(async (flags: ListFlags) => {
    const limit = Number(flags.limit);
    if (!Number.isInteger(limit) || limit < 1)
      throw new CliError(`--limit must be a positive whole number, not "${flags.limit}"`);
    const filter = { subject: flags.subject ?? "", connection: flags.connection ?? "" };
    const { sessions } = await withAdmin(ctx, flags, (admin) => searchSessions(admin, { ...filter, pageToken: "" }, limit));
    if (sessions.length === 0 && flags.output === "table") ctx.err("No sessions found.\n");
    const views = sessions.map((s) => sessionView(s, false));
    ctx.out(renderList(flags.output, views, SESSION_COLUMNS));
  });
  registerAuditSearch(audit, ctx);
  registerAuditShow(audit, ctx);
  registerAuditTail(audit, ctx);
  registerAuditReplay(audit, ctx);
}

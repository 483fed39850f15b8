// `palisade audit ...`: the recorded sessions. `list` is here; each other subcommand has its file.
import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { LIST_FORMATS, outputOption, type ListFormat } from "../output.js";
import { withAdminOptions, type AdminFlags } from "../settings.js";
import { registerAuditExport } from "./audit-export.js";
import { registerAuditVerify } from "./audit-verify.js";
import { registerAuditReplay } from "./audit-replay.js";
import { registerAuditRotateKey } from "./audit-rotate-key.js";
import { parseLimit, printSessions, registerAuditSearch } from "./audit-search.js";
import { registerAuditShow } from "./audit-show.js";
import { registerAuditTail } from "./audit-tail.js";

interface ListFlags extends AdminFlags {
  subject?: string;
  connection?: string;
  limit: string;
  output: ListFormat;
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
      .addOption(outputOption("table", LIST_FORMATS)),
  ).action(async (flags: ListFlags) => {
    const limit = parseLimit(flags.limit);
    await printSessions(ctx, flags, { subject: flags.subject ?? "", connection: flags.connection ?? "" }, "", limit);
  });
  registerAuditSearch(audit, ctx);
  registerAuditShow(audit, ctx);
  registerAuditTail(audit, ctx);
  registerAuditReplay(audit, ctx);
}

// `palisade audit tail`: sessions as they are committed, by any control-plane replica, until
// interrupted. Tables print a header once and a line per session; JSON (or JSON lines) prints one
// object a line. A reader that goes away (`| head`) ends the tail.
import type { Command } from "commander";
import { withAdmin } from "../admin.js";
import type { CliContext } from "../context.js";
import { LIST_FORMATS, renderOne, renderTable, type ListFormat } from "../output.js";
import { Option } from "commander";
import { filterFields, type FilterFlags, withFilterOptions } from "../sessions/filter-flags.js";
import { SESSION_COLUMNS, sessionView } from "../sessions/session-view.js";
import { withAdminOptions, type AdminFlags } from "../settings.js";

interface TailFlags extends AdminFlags, FilterFlags {
  output: ListFormat;
}

/** Registers `audit tail` under `audit`. */
export function registerAuditTail(audit: Command, ctx: CliContext): void {
  const command = audit
    .command("tail")
    .description("follow new sessions live (Ctrl-C to stop)")
    .addOption(new Option("-o, --output <format>", "output format (json, jsonl: one object a line)").choices(LIST_FORMATS).default("table"));
  withAdminOptions(withFilterOptions(command, false)).action(async (flags: TailFlags) => {
    const request = filterFields(flags);
    const stop = new AbortController();
    void ctx.untilStopped().then(() => stop.abort());
    let header = true;
    await withAdmin(ctx, flags, async (admin) => {
      try {
        // No deadline: a tail runs until stopped.
        for await (const { session } of admin.sessions.tailSessions(request, { signal: stop.signal, timeoutMs: 0 })) {
          if (!session) {
            ctx.err("following new sessions (Ctrl-C to stop)\n");
            continue;
          }
          const view = sessionView(session, false);
          if (flags.output === "json" || flags.output === "jsonl") await ctx.write(`${JSON.stringify(view)}\n`);
          else if (flags.output === "yaml") await ctx.write(`---\n${renderOne("yaml", view)}`);
          else {
            const table = renderTable([view], SESSION_COLUMNS);
            await ctx.write(header ? table : table.slice(table.indexOf("\n") + 1));
            header = false;
          }
        }
      } catch (error) {
        if (!stop.signal.aborted) throw error;
      }
    });
  });
}

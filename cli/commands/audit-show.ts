// `palisade audit show SESSION`: the whole exchange — identity, policy decision and reason, masking
// findings, review, request and response as recorded, usage, timings.
import type { Command } from "commander";
import { withAdmin } from "../admin.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { outputOption, renderOne, type OutputFormat } from "../output.js";
import { reviewTrail } from "../sessions/review-trail.js";
import { renderSessionText, sessionView } from "../sessions/session-view.js";
import { withAdminOptions, type AdminFlags } from "../settings.js";

interface ShowFlags extends AdminFlags {
  output: OutputFormat;
}

/** Registers `audit show` under `audit`. */
export function registerAuditShow(audit: Command, ctx: CliContext): void {
  withAdminOptions(
    audit
      .command("show")
      .description("show one session: identity, decision, masking, review, request, response, usage, timings")
      .argument("<session>", "session id (the x-palisade-session header)")
      .addOption(outputOption("table")),
  ).action(async (id: string, flags: ShowFlags) => {
    const view = await withAdmin(ctx, flags, async (admin) => {
      const { session } = await admin.sessions.getSession({ id });
      if (session === undefined) throw new CliError(`session ${id} not found`);
      const shown = sessionView(session, true);
      if (shown.reviewId) shown.review = await reviewTrail(admin, shown.reviewId);
      return shown;
    });
    ctx.out(flags.output === "table" ? renderSessionText(view) : renderOne(flags.output, view));
  });
}

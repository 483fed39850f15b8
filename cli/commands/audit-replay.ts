// `palisade audit replay SESSION`: the exchange as its client saw it, a streamed response re-emitted
// with its recorded timing (`--speed`); `--resend` sends the request again through an agent (admin
// only, audited) and prints the new answer below the recorded one.
import { Option, type Command } from "commander";
import { withAdmin } from "../admin.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { replayResponse, requestText } from "../sessions/replay.js";
import { resendSession } from "../sessions/resend.js";
import { withAdminOptions, type AdminFlags } from "../settings.js";

interface ReplayFlags extends AdminFlags {
  speed: string;
  resend?: boolean;
  agent?: string;
  callerToken?: string;
}

/** Registers `audit replay` under `audit`. */
export function registerAuditReplay(audit: Command, ctx: CliContext): void {
  withAdminOptions(
    audit
      .command("replay")
      .description("re-render a session as its client saw it; --resend sends it again to compare")
      .argument("<session>", "session id (the x-palisade-session header)")
      .option("--speed <factor>", "replay this many times faster (0: no waiting)", "1")
      .option("--resend", "send the recorded request again through an agent (admin only; audited)")
      .addOption(new Option("--agent <url>", "the agent to resend through").env("PALISADE_AGENT"))
      .option("--caller-token <jwt>", "send the resend with this caller token (default: a 5-minute token for yourself)"),
  ).action(async (id: string, flags: ReplayFlags) => {
    const speed = Number(flags.speed);
    if (!Number.isFinite(speed) || speed < 0) throw new CliError(`--speed must be a number ≥ 0, not "${flags.speed}"`);
    if (flags.resend && !flags.agent) throw new CliError("--resend needs --agent URL (or PALISADE_AGENT)");
    const stop = new AbortController();
    void ctx.untilStopped().then(() => stop.abort());
    await withAdmin(ctx, flags, async (admin) => {
      const { session } = await admin.sessions.getSession({ id });
      const x = session?.exchange;
      if (!x) throw new CliError(`session ${id} not found`);
      ctx.out(`=== recorded: session ${x.id} (${x.identity?.subject ?? "unidentified"}) ===\n${requestText(x)}`);
      try {
        await replayResponse(x, speed, { out: ctx.out }, stop.signal);
      } catch (error) {
        if (stop.signal.aborted) return;
        throw error;
      }
      if (!flags.resend) return;
      ctx.out("=== resent ===\n");
      await resendSession(admin, id, { agentUrl: flags.agent!, token: flags.callerToken }, ctx.out);
    });
  });
}

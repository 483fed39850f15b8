// `palisade console`: prints a one-time link that signs a browser in to the web console as the
// admin token's holder (docs/console.md). Only the URL goes to stdout, so scripts can open it.
import type { Command } from "commander";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { withAdmin } from "../admin.js";
import type { CliContext } from "../context.js";
import { parseDuration } from "../duration.js";
import { adminSettings, withAdminOptions, type AdminFlags } from "../settings.js";

interface ConsoleFlags extends AdminFlags {
  ttl?: string;
}

/** The console URL that signs in with the link at `path`, on the control plane at `server`. */
export function consoleLinkUrl(server: string, path: string): string {
  return `${server}${path}`;
}

/** Registers `console`. */
export function registerConsole(program: Command, ctx: CliContext): void {
  withAdminOptions(
    program
      .command("console")
      .description("print a one-time link that signs a browser in to the web console (admin token only)")
      .option("--ttl <duration>", "how long the link works, once (1m to 1h)", "15m"),
  ).action(async (flags: ConsoleFlags) => {
    const ttl = parseDuration(flags.ttl ?? "15m");
    const link = await withAdmin(ctx, flags, (admin) => admin.console.createSignInLink({ ttl }));
    const server = adminSettings(flags, ctx.env).server;
    ctx.out(`${consoleLinkUrl(server, link.path)}\n`);
    const until = link.expireTime ? timestampDate(link.expireTime).toISOString() : "soon";
    ctx.err(`signs in once, until ${until}; keep it secret: it acts as the admin token\n`);
  });
}

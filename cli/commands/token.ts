// `palisade token create`: a caller token signed by the control plane, alone on stdout so that
// `export T=$(palisade token create --subject me)` works.
import type { Command } from "commander";
import { withAdmin } from "../admin.js";
import type { CliContext } from "../context.js";
import { parseDuration } from "../duration.js";
import { withAdminOptions, type AdminFlags } from "../settings.js";

interface TokenFlags extends AdminFlags {
  subject: string;
  groups?: string;
  ttl?: string;
  email?: string;
}

/** Registers `token create`. */
export function registerToken(program: Command, ctx: CliContext): void {
  const token = program.command("token").description("issue caller tokens that every agent accepts");
  withAdminOptions(
    token
      .command("create")
      .description("sign a JWT for a caller and print it")
      .requiredOption("--subject <subject>", "the token's sub (a person or a service account name)")
      .option("--groups <groups>", "comma-separated groups (default: the service account's groups)")
      .option("--ttl <duration>", "lifetime, for example 15m, 1h, 7d (default 1h)")
      .option("--email <email>", "the token's email claim"),
  ).action(async (flags: TokenFlags) => {
    const request = {
      subject: flags.subject,
      groups: splitList(flags.groups),
      ttl: flags.ttl === undefined ? undefined : parseDuration(flags.ttl),
      email: flags.email ?? "",
    };
    const response = await withAdmin(ctx, flags, (admin) => admin.tokens.createToken(request));
    ctx.out(`${response.token}\n`);
  });
}

function splitList(text: string | undefined): string[] {
  return (text ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

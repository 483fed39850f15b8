// `palisade token create|revoke`: caller tokens signed by the control plane. By default `create`
// prints the bare JWT alone on stdout, so that `export T=$(palisade token create --subject me)`
// works; `-o json|yaml` prints it with its jti (for revocation), expiry and issuer.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Option, type Command } from "commander";
import { withAdmin } from "../admin.js";
import type { CliContext } from "../context.js";
import { parseDuration } from "../duration.js";
import { CliError } from "../errors.js";
import { renderOne } from "../output.js";
import { withAdminOptions, type AdminFlags } from "../settings.js";

const CREATE_FORMATS = ["jwt", "json", "yaml"] as const;

interface CreateFlags extends AdminFlags {
  subject: string;
  groups?: string;
  ttl?: string;
  email?: string;
  output: (typeof CREATE_FORMATS)[number];
}

interface RevokeFlags extends AdminFlags {
  jti?: string;
  subject?: string;
}

/** Registers `token create` and `token revoke`. */
export function registerToken(program: Command, ctx: CliContext): void {
  const token = program.command("token").description("issue and revoke caller tokens that every agent accepts");
  withAdminOptions(
    token
      .command("create")
      .description("sign a JWT for a caller and print it")
      .requiredOption("--subject <subject>", "the token's sub (a person or a service account name)")
      .option("--groups <groups>", "comma-separated groups (default: the service account's groups)")
      .option("--ttl <duration>", "lifetime, for example 15m, 1h, 7d (default 1h)")
      .option("--email <email>", "the token's email claim")
      .addOption(
        new Option("-o, --output <format>", "jwt: the bare token; json/yaml: {token, jti, expireTime, issuer}")
          .choices(CREATE_FORMATS)
          .default("jwt"),
      ),
  ).action(async (flags: CreateFlags) => {
    const request = {
      subject: flags.subject,
      groups: splitList(flags.groups),
      ttl: flags.ttl === undefined ? undefined : parseDuration(flags.ttl),
      email: flags.email ?? "",
    };
    const response = await withAdmin(ctx, flags, (admin) => admin.tokens.createToken(request));
    if (flags.output === "jwt") return ctx.out(`${response.token}\n`);
    ctx.out(renderOne(flags.output, {
      token: response.token,
      jti: response.jti,
      expireTime: response.expireTime ? timestampDate(response.expireTime).toISOString() : "",
      issuer: response.issuer,
    }));
  });
  withAdminOptions(
    token
      .command("revoke")
      .description("revoke one token (--jti) or every token of a subject issued until now (--subject)")
      .option("--jti <jti>", "the token's jti (from `token create -o json`)")
      .option("--subject <subject>", "revoke every token issued to this subject so far"),
  ).action(async (flags: RevokeFlags) => {
    if ((flags.jti === undefined) === (flags.subject === undefined)) {
      throw new CliError("token revoke: give exactly one of --jti and --subject");
    }
    await withAdmin(ctx, flags, (admin) => admin.tokens.revokeToken({ jti: flags.jti ?? "", subject: flags.subject ?? "" }));
    ctx.out(flags.jti !== undefined ? `token ${flags.jti} revoked\n` : `tokens of ${flags.subject} revoked\n`);
  });
}

function splitList(text: string | undefined): string[] {
  return (text ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

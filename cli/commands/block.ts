// `palisade block SUBJECT`, `palisade unblock SUBJECT`, `palisade blocks`: identities every agent
// refuses with 403 until the block expires or is lifted (docs/alerts.md).
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { Command } from "commander";
import type { BlockRecord } from "../../gen/palisade/admin/v1/block_service_pb.js";
import { withAdmin } from "../admin.js";
import type { CliContext } from "../context.js";
import { parseDuration } from "../duration.js";
import { CliError } from "../errors.js";
import { outputOption, renderList, renderOne, shortTime, type OutputFormat } from "../output.js";
import { withAdminOptions, type AdminFlags } from "../settings.js";

interface BlockFlags extends AdminFlags {
  for: string;
  reason?: string;
  issuer?: string;
  output?: "json" | "yaml" | "table";
}

interface UnblockFlags extends AdminFlags {
  issuer?: string;
}

interface ListFlags extends AdminFlags {
  all?: boolean;
  subject?: string;
  limit?: string;
  output: OutputFormat;
}

function iso(t: Timestamp | undefined): string | undefined {
  return t ? timestampDate(t).toISOString() : undefined;
}

/** A block as printed: plain fields, times in ISO 8601. */
export function blockView(b: BlockRecord): Record<string, unknown> {
  return {
    id: b.id,
    subject: b.subject,
    issuer: b.issuer,
    reason: b.reason,
    rule: b.rule,
    createTime: iso(b.createTime),
    expireTime: iso(b.expireTime),
    createdBy: b.createdBy,
    ...(b.liftTime ? { liftTime: iso(b.liftTime), liftedBy: b.liftedBy } : {}),
  };
}

const COLUMNS = [
  ["subject", (b: Record<string, unknown>) => String(b.subject)],
  ["issuer", (b: Record<string, unknown>) => String(b.issuer) || "any"],
  ["until", (b: Record<string, unknown>) => shortTime(new Date(String(b.expireTime)))],
  ["by", (b: Record<string, unknown>) => (b.rule ? `rule ${String(b.rule)}` : String(b.createdBy))],
  ["lifted", (b: Record<string, unknown>) => (b.liftTime ? `${shortTime(new Date(String(b.liftTime)))} by ${String(b.liftedBy)}` : "")],
  ["reason", (b: Record<string, unknown>) => String(b.reason)],
] as const;

/** Registers `block`, `unblock` and `blocks`. */
export function registerBlock(program: Command, ctx: CliContext): void {
  withAdminOptions(
    program
      .command("block")
      .description("block a caller on every agent (403 naming the block) for a while")
      .argument("<subject>", "the caller's sub")
      .option("--for <duration>", "how long, for example 15m, 1h, 7d", "1h")
      .option("--reason <text>", "why, shown to the caller in the 403")
      .option("--issuer <iss>", "block the subject of this issuer only (default: any issuer)")
      .addOption(outputOption("table").choices(["json", "yaml", "table"])),
  ).action(async (subject: string, flags: BlockFlags) => {
    const request = { subject, issuer: flags.issuer ?? "", duration: parseDuration(flags.for), reason: flags.reason ?? "" };
    const { block } = await withAdmin(ctx, flags, (admin) => admin.blocks.createBlock(request));
    if (!block) return;
    if (flags.output === "json" || flags.output === "yaml") return ctx.out(renderOne(flags.output, blockView(block)));
    ctx.out(`${subject} blocked until ${iso(block.expireTime)}\n`);
  });
  withAdminOptions(
    program
      .command("unblock")
      .description("lift the live blocks of a caller")
      .argument("<subject>", "the caller's sub")
      .option("--issuer <iss>", "lift only the block of this issuer"),
  ).action(async (subject: string, flags: UnblockFlags) => {
    const { lifted } = await withAdmin(ctx, flags, (admin) => admin.blocks.deleteBlock({ subject, issuer: flags.issuer ?? "" }));
    ctx.out(`${subject} unblocked (${lifted} block${lifted === 1 ? "" : "s"} lifted)\n`);
  });
  withAdminOptions(
    program
      .command("blocks")
      .description("list blocks in force, newest first (--all: lifted and expired ones too)")
      .option("--all", "include lifted and expired blocks")
      .option("--subject <subject>", "only this caller's blocks")
      .option("--limit <n>", "at most this many (default 100, at most 1000)")
      .addOption(outputOption("table")),
  ).action(async (flags: ListFlags) => {
    const limit = flags.limit === undefined ? 0 : Number(flags.limit);
    if (!Number.isInteger(limit) || limit < 0) throw new CliError(`invalid --limit "${flags.limit}"`);
    const { blocks } = await withAdmin(ctx, flags, (admin) =>
      admin.blocks.listBlocks({ includeInactive: flags.all === true, subject: flags.subject ?? "", limit }));
    if (blocks.length === 0 && flags.output === "table") ctx.err("No blocks.\n");
    ctx.out(renderList(flags.output, blocks.map(blockView), COLUMNS));
  });
}

// `palisade audit verify`: online (the control plane re-walks the stored chain, session rows
// included), online with a pinned key (`--key`: the export is verified here against that key), or
// offline (`--file export.jsonl --key pub.jwk`: no control plane at all). Exit code 1 when broken.
import { readFileSync } from "node:fs";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Command } from "commander";
import type { JWK } from "jose";
import type { ChainBreak, VerifyReport } from "../../control-plane/audit/verify-chain.js";
import { fileItems, parseKeys, verifyItems } from "../../control-plane/audit/verify-export.js";
import { withAdmin } from "../admin.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { outputOption, renderOne, type OutputFormat } from "../output.js";
import { withAdminOptions, type AdminFlags } from "../settings.js";
import { collectExport } from "./audit-export.js";
import { logRange } from "./audit-range.js";

interface VerifyFlags extends AdminFlags {
  from?: string;
  to?: string;
  file?: string;
  key?: string;
  output: OutputFormat;
}

function readKeys(file: string): JWK[] {
  try {
    return parseKeys(readFileSync(file, "utf8"));
  } catch (error) {
    throw new CliError(`--key ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function verifyOffline(file: string, keys: JWK[]): Promise<VerifyReport> {
  try {
    return await verifyItems(fileItems(file), keys);
  } catch (error) {
    throw new CliError(`--file ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function verifyOnline(ctx: CliContext, flags: VerifyFlags): Promise<VerifyReport> {
  const range = logRange(flags.from, flags.to);
  if (flags.key !== undefined) {
    const keys = readKeys(flags.key);
    const items = await collectExport(ctx, flags, range);
    return verifyItems(async function* () { yield* items; }, keys);
  }
  const answer = await withAdmin(ctx, flags, (admin) => admin.auditLog.verifyLog({ range }));
  const firstBroken: ChainBreak | undefined = answer.ok ? undefined : { seq: Number(answer.firstBrokenSeq), problem: answer.problem };
  const checkpoint = answer.lastCheckpoint;
  const lastCheckpoint = checkpoint && {
    seq: Number(checkpoint.seq), hash: checkpoint.hash, count: Number(checkpoint.count),
    time: checkpoint.time ? timestampDate(checkpoint.time).toISOString() : "", kid: checkpoint.kid, jws: checkpoint.jws,
  };
  return { ok: answer.ok, entriesChecked: Number(answer.entriesChecked), checkpointsChecked: Number(answer.checkpointsChecked), firstBroken, lastCheckpoint };
}

/** What `audit verify` prints: the report, with the newest verified checkpoint's seq, hash, time and key (not its JWS). */
function reportView(report: VerifyReport) {
  const { lastCheckpoint, ...rest } = report;
  return { ...rest, ...(lastCheckpoint && { lastCheckpoint: { seq: lastCheckpoint.seq, hash: lastCheckpoint.hash, time: lastCheckpoint.time, kid: lastCheckpoint.kid } }) };
}

/** Registers `audit verify` on the `audit` command. */
export function registerAuditVerify(audit: Command, ctx: CliContext): void {
  withAdminOptions(
    audit
      .command("verify")
      .description("re-walk the audit chain and its signed checkpoints; name the first broken entry")
      .option("--from <seq|time>", "first entry: a seq, or an RFC 3339 time")
      .option("--to <seq|time>", "last entry: a seq, or an RFC 3339 time")
      .option("--file <export.jsonl>", "verify an export offline (needs --key; no control plane)")
      .option("--key <pub.jwk>", "the checkpoint public key (JWK or JWKS) to trust")
      .addOption(outputOption("table")),
  ).action(async (flags: VerifyFlags) => {
    if (flags.file !== undefined && flags.key === undefined) throw new CliError("--file needs --key (from `palisade audit public-key`)");
    if (flags.file !== undefined && (flags.from !== undefined || flags.to !== undefined)) {
      throw new CliError("--from/--to select what to export; an export file is verified whole");
    }
    const report = flags.file !== undefined ? await verifyOffline(flags.file, readKeys(flags.key!)) : await verifyOnline(ctx, flags);
    if (flags.output === "table") {
      ctx.out(report.ok
        ? `audit log intact: ${report.entriesChecked} entries, ${report.checkpointsChecked} checkpoints checked\n`
        : `audit log BROKEN at seq ${report.firstBroken!.seq}: ${report.firstBroken!.problem}\n`);
      const checkpoint = report.lastCheckpoint;
      if (checkpoint) ctx.out(`last verified checkpoint: seq ${checkpoint.seq} at ${checkpoint.time}, key ${checkpoint.kid}\n`);
    } else {
      ctx.out(renderOne(flags.output, reportView(report)));
    }
    if (!report.ok) throw new CliError(`the audit log is broken at seq ${report.firstBroken!.seq}`);
  });
}

// `palisade audit export` (entries and checkpoints as JSON lines) and `palisade audit public-key`
// (the checkpoint key as a JWK, for `audit verify --file … --key …`).
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { type Command, Option } from "commander";
import type { ExportLogResponse, LogRange } from "../../gen/palisade/admin/v1/audit_log_service_pb.js";
import type { AuditEntry, AuditEventType } from "../../control-plane/audit/audit-entry.js";
import { exportLine, type ExportItem } from "../../control-plane/audit/export-format.js";
import { withAdmin } from "../admin.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { withAdminOptions, type AdminFlags } from "../settings.js";
import { logRange } from "./audit-range.js";

interface ExportFlags extends AdminFlags {
  format: "jsonl";
  output?: string;
  from?: string;
  to?: string;
}

// An export of a large log takes longer than the CLI's default 30 s per call.
const EXPORT_TIMEOUT_MS = 6 * 3600 * 1000;

/** The export item of one streamed response. */
export function exportItem(response: ExportLogResponse): ExportItem | undefined {
  const { item } = response;
  const iso = (time: Parameters<typeof timestampDate>[0] | undefined) => (time ? timestampDate(time) : new Date(0)).toISOString();
  if (item.case === "entry") {
    const e = item.value;
    const entry: AuditEntry = {
      seq: Number(e.seq), time: iso(e.time), type: e.type as AuditEventType, subject: e.subject,
      payload: (e.payload ?? {}) as AuditEntry["payload"], prev_hash: e.prevHash, hash: e.hash,
    };
    return { entry };
  }
  if (item.case === "checkpoint") {
    const c = item.value;
    return { checkpoint: { seq: Number(c.seq), hash: c.hash, count: Number(c.count), time: iso(c.time), kid: c.kid, jws: c.jws } };
  }
  return undefined;
}

/** The whole export of `range` through the admin API, in memory (for pinned-key verification). */
export async function collectExport(ctx: CliContext, flags: AdminFlags, range: LogRange | undefined): Promise<ExportItem[]> {
  const items: ExportItem[] = [];
  await withAdmin(ctx, flags, async (admin) => {
    for await (const response of admin.auditLog.exportLog({ range }, { timeoutMs: EXPORT_TIMEOUT_MS })) {
      const item = exportItem(response);
      if (item) items.push(item);
    }
  });
  return items;
}

/** Registers `audit export` and `audit public-key` on the `audit` command. */
export function registerAuditExport(audit: Command, ctx: CliContext): void {
  withAdminOptions(
    audit
      .command("export")
      .description("write the audit chain's entries and signed checkpoints, for offline verification")
      .addOption(new Option("--format <format>", "export format").choices(["jsonl"]).default("jsonl"))
      .option("--output <file>", "write to this file instead of stdout")
      .option("--from <seq|time>", "first entry: a seq, or an RFC 3339 time")
      .option("--to <seq|time>", "last entry: a seq, or an RFC 3339 time"),
  ).action(async (flags: ExportFlags) => {
    const range = logRange(flags.from, flags.to);
    const file = flags.output === undefined ? undefined : createWriteStream(flags.output, { mode: 0o600 });
    let lines = 0;
    await withAdmin(ctx, flags, async (admin) => {
      for await (const response of admin.auditLog.exportLog({ range }, { timeoutMs: EXPORT_TIMEOUT_MS })) {
        const item = exportItem(response);
        if (!item) continue;
        lines += 1;
        if (!file) await ctx.write(exportLine(item));
        else if (!file.write(exportLine(item))) await once(file, "drain");
      }
    });
    if (file) {
      file.end();
      await once(file, "finish");
      ctx.err(`wrote ${lines} lines to ${flags.output}\n`);
    }
  });
  withAdminOptions(
    audit
      .command("public-key")
      .description("print the key that signs audit checkpoints, as a JWK (a JWKS when there are several)"),
  ).action(async (flags: AdminFlags) => {
    const { keys } = await withAdmin(ctx, flags, (admin) => admin.auditLog.getLogPublicKey({}));
    if (keys.length === 0) throw new CliError("the control plane has no checkpoint key yet");
    ctx.out(`${JSON.stringify(keys.length === 1 ? keys[0] : { keys }, null, 2)}\n`);
  });
}

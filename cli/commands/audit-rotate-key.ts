// `palisade audit rotate-key`: retires the audit checkpoint key for a new one (admins only). The
// rotation is recorded in the chain and signed by the old key's last checkpoint.
import type { Command } from "commander";
import { withAdmin } from "../admin.js";
import type { CliContext } from "../context.js";
import { withAdminOptions, type AdminFlags } from "../settings.js";

/** Registers `audit rotate-key` on the `audit` command. */
export function registerAuditRotateKey(audit: Command, ctx: CliContext): void {
  withAdminOptions(
    audit
      .command("rotate-key")
      .description("retire the key that signs audit checkpoints and start signing with a new one"),
  ).action(async (flags: AdminFlags) => {
    const rotation = await withAdmin(ctx, flags, (admin) => admin.auditLog.rotateLogKey({}));
    const seq = rotation.handoverSeq;
    ctx.out(`audit checkpoint key rotated: ${rotation.retiredKid} signed its last checkpoint at seq ${seq} (the rotation entry); `
      + `${rotation.kid} signs from seq ${seq + 1n} on\n`);
    ctx.err("keep the public keys for offline verification: palisade audit public-key > audit-keys.jwks\n");
  });
}

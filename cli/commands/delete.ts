// `palisade delete KIND NAME`.
import type { Command } from "commander";
import { withAdmin } from "../admin.js";
import type { CliContext } from "../context.js";
import { kindLabel, parseKindArgument } from "../resources/kinds.js";
import { withAdminOptions, type AdminFlags } from "../settings.js";

/** Registers `delete`. */
export function registerDelete(program: Command, ctx: CliContext): void {
  withAdminOptions(
    program
      .command("delete")
      .description("delete a resource or an agent")
      .argument("<kind>", "connection, identityprovider/idp, serviceaccount/sa, policy, rolebinding/rb, auditsink/sink or agent")
      .argument("<name>", "name of the resource"),
  ).action(async (kindText: string, name: string, flags: AdminFlags) => {
    const kind = parseKindArgument(kindText);
    await withAdmin(ctx, flags, async (admin) => {
      if ("agents" in kind) await admin.agents.deleteAgent({ name });
      else await admin.resources.deleteResource({ kind: kind.resource, name });
    });
    ctx.out(`${"agents" in kind ? "agent" : kindLabel(kind.resource)}/${name} deleted\n`);
  });
}

// `palisade get KIND [NAME]`: stored resources (or agents) in the resource file format.
import type { Command } from "commander";
import { withAdmin } from "../admin.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { outputOption, renderList, renderOne, type OutputFormat } from "../output.js";
import { fileKindOf, parseKindArgument, type KindArgument } from "../resources/kinds.js";
import { agentView } from "../resources/agent-view.js";
import { resourceColumns, resourceView, type ResourceView } from "../resources/resource-view.js";
import { withAdminOptions, type AdminFlags } from "../settings.js";
import type { AdminClients } from "../client.js";

interface GetFlags extends AdminFlags {
  output: OutputFormat;
}

/** Registers `get`. */
export function registerGet(program: Command, ctx: CliContext): void {
  withAdminOptions(
    program
      .command("get")
      .description("show resources: connection(s), identityprovider(s)/idp, serviceaccount(s)/sa, policy/policies, rolebinding(s)/rb, auditsink(s)/sink(s), alertrule(s), modelprice(s)/price(s), budget(s), agent(s)")
      .argument("<kind>", "kind of resource")
      .argument("[name]", "one resource; all of the kind when absent")
      .addOption(outputOption("table")),
  ).action(async (kindText: string, name: string | undefined, flags: GetFlags) => {
    const kind = parseKindArgument(kindText);
    const views = await withAdmin(ctx, flags, (admin) => fetchViews(admin, kind, name));
    if (name !== undefined && flags.output !== "table") {
      if (views[0] === undefined) throw new CliError(`${kindText} ${name}: the server returned nothing`);
      ctx.out(renderOne(flags.output, views[0]));
      return;
    }
    const kindName = "agents" in kind ? "Agent" : fileKindOf(kind.resource);
    if (views.length === 0 && flags.output === "table") ctx.err(`No ${kindName} resources found.\n`);
    ctx.out(renderList(flags.output, views, resourceColumns(kindName)));
  });
}

async function fetchViews(admin: AdminClients, kind: KindArgument, name: string | undefined): Promise<ResourceView[]> {
  if ("agents" in kind) {
    if (name === undefined) return (await admin.agents.listAgents({})).agents.map(agentView);
    const { agent } = await admin.agents.getAgent({ name });
    return agent ? [agentView(agent)] : [];
  }
  if (name === undefined)
    return (await admin.resources.listResources({ kind: kind.resource })).resources.map(resourceView);
  const { resource } = await admin.resources.getResource({ kind: kind.resource, name });
  return resource ? [resourceView(resource)] : [];
}

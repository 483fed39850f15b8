// `palisade agent list` and `palisade agent show NAME`: agents with their instances' stream state.
import type { Command } from "commander";
import { withAdmin } from "../admin.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { outputOption, renderList, renderOne, type OutputFormat } from "../output.js";
import { AGENT_COLUMNS, agentView, renderAgentText } from "../resources/agent-view.js";
import { withAdminOptions, type AdminFlags } from "../settings.js";

interface StateFlags extends AdminFlags {
  output: OutputFormat;
}

/** Registers `list` and `show` under the `agent` command. */
export function registerAgentState(agent: Command, ctx: CliContext): void {
  withAdminOptions(
    agent
      .command("list")
      .description("list agents: connected and known instances, the slowest connected instance's applied snapshot")
      .addOption(outputOption("table")),
  ).action(async (flags: StateFlags) => {
    const { agents } = await withAdmin(ctx, flags, (admin) => admin.agents.listAgents({}));
    if (agents.length === 0 && flags.output === "table") ctx.err("No agents enrolled.\n");
    ctx.out(renderList(flags.output, agents.map(agentView), AGENT_COLUMNS));
  });

  withAdminOptions(
    agent
      .command("show")
      .description("show one agent and each of its instances (connected, version, applied snapshot, last seen, last error)")
      .argument("<name>", "agent name")
      .addOption(outputOption("table")),
  ).action(async (name: string, flags: StateFlags) => {
    const { agent: found } = await withAdmin(ctx, flags, (admin) => admin.agents.getAgent({ name }));
    if (!found) throw new CliError(`agent ${name}: the server returned nothing`);
    const view = agentView(found);
    ctx.out(flags.output === "table" ? renderAgentText(view) : renderOne(flags.output, view));
  });
}

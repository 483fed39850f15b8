// `palisade agent` serves an agent; `palisade agent create NAME` enrols one.
import type { Command } from "commander";
import { withAdmin } from "../admin.js";
import type { CliContext } from "../context.js";
import { adminSettings, DEFAULT_SERVER, withAdminOptions, type AdminFlags } from "../settings.js";
import { registerAgentState } from "./agent-state.js";
import { addAgentServeOptions, serveAgent, type AgentServeFlags } from "./serve.js";

interface CreateFlags extends AdminFlags {
  segment?: string;
  rotate?: boolean;
}

/** Registers `agent` (serve), `agent create`, `agent list` and `agent show`. */
export function registerAgent(program: Command, ctx: CliContext): void {
  const agent = addAgentServeOptions(
    program.command("agent").description("serve an agent (data plane) enrolled with `agent create`; or enrol one"),
  ).action((flags: AgentServeFlags) => serveAgent(flags, ctx));

  withAdminOptions(
    agent
      .command("create")
      .description("enrol an agent and print its enrolment token (shown once)")
      .argument("<name>", "agent name")
      .option("--segment <segment>", "network segment it serves (default: the default segment)")
      .option("--rotate", "replace the token of an existing agent of that name"),
  ).action(async (name: string, flags: CreateFlags) => {
    const request = { name, segment: flags.segment ?? "", rotateToken: flags.rotate === true };
    const response = await withAdmin(ctx, flags, (admin) => admin.agents.createAgent(request));
    ctx.out(`${response.token}\n`);
    const { server, caFile } = adminSettings(flags, ctx.env);
    const serverFlag = server === DEFAULT_SERVER ? "" : ` --server ${server}`;
    const caFlag = caFile === undefined ? "" : ` --ca-file ${caFile}`;
    // In the environment, not a flag: a process's arguments are in every local user's `ps`, its
    // environment only in its owner's.
    ctx.err(
      `agent ${name} enrolled; this token is shown once. Run the agent with:\n` +
        `  PALISADE_AGENT_TOKEN=${response.token} npx palisade agent${serverFlag}${caFlag}\n`,
    );
  });
  registerAgentState(agent, ctx);
}

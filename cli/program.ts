// The `palisade` command tree. Output, errors and exits go through the context, so the same
// program runs as a process or inside a test.
import { Command } from "commander";
import { registerAgent } from "./commands/agent.js";
import { registerAlerts } from "./commands/alerts.js";
import { registerApply } from "./commands/apply.js";
import { registerAudit } from "./commands/audit.js";
import { registerBlock } from "./commands/block.js";
import { registerConsole } from "./commands/console.js";
import { registerDelete } from "./commands/delete.js";
import { registerGet } from "./commands/get.js";
import { registerReview } from "./commands/review.js";
import { registerControlPlane } from "./commands/serve.js";
import { registerToken } from "./commands/token.js";
import { registerUp } from "./commands/up.js";
import { registerUsage } from "./commands/usage.js";
import { registerBudgets } from "./commands/budgets.js";
import type { CliContext } from "./context.js";
import { VERSION } from "./version.js";

/** A fresh program whose commands write through `ctx`. */
export function createProgram(ctx: CliContext): Command {
  const program = new Command("palisade")
    .description("Identity-aware gateway for LLM traffic: run it, configure it, read its audit log.")
    .version(VERSION)
    // Options after a subcommand belong to it (`agent create x --segment s` is create's --segment).
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.out(s), writeErr: (s) => ctx.err(s) })
    .showSuggestionAfterError();
  registerUp(program, ctx);
  registerControlPlane(program, ctx);
  registerAgent(program, ctx);
  registerApply(program, ctx);
  registerGet(program, ctx);
  registerDelete(program, ctx);
  registerToken(program, ctx);
  registerAudit(program, ctx);
  registerUsage(program, ctx);
  registerBudgets(program, ctx);
  registerBlock(program, ctx);
  registerAlerts(program, ctx);
  registerReview(program, ctx);
  registerConsole(program, ctx);
  return program;
}

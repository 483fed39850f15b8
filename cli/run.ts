// Runs one command line and turns every outcome into an exit code: 0 when done, 1 for any error
// (printed as one `error: …` line; a stack trace only for what is a bug).
import { CommanderError } from "commander";
import type { CliContext } from "./context.js";
import { CliError } from "./errors.js";
import { createProgram } from "./program.js";

/** Runs `palisade <argv…>` in the given context and resolves with the exit code. */
export async function runCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  const program = createProgram(ctx);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return 0;
  } catch (error) {
    // Commander has already printed usage errors and help through the context.
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof CliError) {
      ctx.err(`error: ${error.message}\n`);
      return error.exitCode;
    }
    ctx.err(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}

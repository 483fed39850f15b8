// Runs one command line and turns every outcome into an exit code: 0 when done, 1 for any error
// (printed as one `error: …` line; a stack trace only for what is a bug). It resolves only once
// the command's output has left the process, so the caller may exit at once.
import { CommanderError } from "commander";
import type { CliContext } from "./context.js";
import { CliError } from "./errors.js";
import { isClosedPipe, OutputClosedError } from "./output-sink.js";
import { createProgram } from "./program.js";

/** Runs `palisade <argv…>` in the given context and resolves with the exit code, after its output is flushed. */
export async function runCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  const code = await runCommand(argv, ctx);
  const failure = await ctx.flush();
  // The reader went away (`| head`): it has what it wanted. Any other failure (a full disk, a
  // closed descriptor) means the output is incomplete, and the exit code must say so.
  if (failure === undefined || isClosedPipe(failure)) return code;
  ctx.err(`error: cannot write to standard output: ${failure.message}\n`);
  await ctx.flush();
  return code === 0 ? 1 : code;
}

async function runCommand(argv: readonly string[], ctx: CliContext): Promise<number> {
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
    // A streaming command stopped because stdout failed; the flush decides what that means.
    if (error instanceof OutputClosedError) return 0;
    ctx.err(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}

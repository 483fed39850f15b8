// A CliContext for running commands in-process: captured output, given env and stdin, and a
// stop signal the test fires.
import type { CliContext } from "../../cli/context.js";
import { createAdminClients, createAdminTransport } from "../../cli/client.js";
import { runCli } from "../../cli/run.js";

/** A captured run's outcome. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `palisade <args>` in-process with the given env and stdin. Serving commands stop when
 * `stopped` resolves (at once by default).
 */
export async function runPalisade(
  args: string[],
  env: Record<string, string | undefined> = {},
  stdin = "",
  stopped: Promise<string> = Promise.resolve("SIGTERM"),
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const ctx: CliContext = {
    out: (text) => void (stdout += text),
    write: async (text) => void (stdout += text),
    err: (text) => void (stderr += text),
    flush: async () => undefined,
    readStdin: async () => stdin,
    env,
    connect: (server, token, caFile) => createAdminClients(createAdminTransport({ server, token, caFile })),
    untilStopped: () => stopped,
  };
  const code = await runCli(args, ctx);
  return { code, stdout, stderr };
}

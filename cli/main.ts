// The `palisade` process: runs one command with the real process's streams, env and signals.
import { processContext } from "./context.js";
import { runCli } from "./run.js";

const code = await runCli(process.argv.slice(2), processContext());
// Exit explicitly: a command is done when its promise settles, whatever sockets linger. runCli
// resolves only after stdout and stderr are flushed, so no output is left behind.
process.exit(code);

// The `palisade` process: runs one command with the real process's streams, env and signals.
import { processContext } from "./context.js";
import { runCli } from "./run.js";

const code = await runCli(process.argv.slice(2), processContext());
// Exit explicitly: a command is done when its promise settles, whatever sockets linger.
process.exit(code);

// Logs of the servers the CLI runs (control plane, agent): JSON lines on stderr, so stdout keeps
// only what the command prints for people and scripts.
import { pino, type Logger } from "pino";
import { Option } from "commander";

/** `--log-level LEVEL` (env PALISADE_LOG_LEVEL). */
export function logLevelOption(defaultLevel: string): Option {
  return new Option("--log-level <level>", `log level [env: PALISADE_LOG_LEVEL, default: ${defaultLevel}]`).choices([
    "trace",
    "debug",
    "info",
    "warn",
    "error",
    "fatal",
    "silent",
  ]);
}

/** A logger writing to stderr at the flag's level, else PALISADE_LOG_LEVEL, else the default. */
export function createLogger(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  defaultLevel: string,
): Logger {
  const level = flag ?? (env.PALISADE_LOG_LEVEL || defaultLevel);
  return pino({ level }, pino.destination({ fd: 2, sync: true }));
}

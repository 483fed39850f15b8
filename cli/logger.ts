// Logs of the servers the CLI runs (control plane, agent): JSON lines on stderr, so stdout keeps
// only what the command prints for people and scripts. Secrets are redacted by field path before a
// line is written (docs/observability.md); the code never means to log one, this is the net below.
import { Option } from "commander";
import { pino, type DestinationStream, type Logger, type LoggerOptions } from "pino";

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

// Fields that may hold a secret, at the top level and one level down (`*.` matches one level;
// headers two levels down cover `err.headers.*` and `req.headers.*`).
const secretFields = [
  "authorization", "cookie", "token", "adminToken", "generatedAdminToken", "enrolmentToken", "callerToken",
  "secret", "secretKey", "secretKeyPrevious", "secretKeyNext", "password", "apiKey", "privateKey", "credential.value",
  'headers.authorization', 'headers.cookie', 'headers["x-api-key"]', 'headers["api-key"]', 'headers["proxy-authorization"]',
];

/** The redaction paths every server logger uses. */
export const redactPaths: readonly string[] = [...secretFields, ...secretFields.map((field) => `*.${field}`), "databaseUrl", "*.databaseUrl"];

// A database URL keeps everything but its password; any other redacted field is replaced whole.
function censor(value: unknown, path: string[]): string {
  if (path.at(-1) === "databaseUrl" && typeof value === "string") {
    try {
      const url = new URL(value);
      if (url.password) url.password = "REDACTED";
      return url.toString();
    } catch {
      return "[Redacted]";
    }
  }
  return "[Redacted]";
}

/** pino options of the servers' logs: level, ISO timestamps, secrets redacted. */
export function serverLoggerOptions(level: string): LoggerOptions {
  return { level, timestamp: pino.stdTimeFunctions.isoTime, redact: { paths: [...redactPaths], censor } };
}

/** A server logger at `level` writing to `destination` (tests capture lines this way). */
export function createServerLogger(level: string, destination: DestinationStream): Logger {
  return pino(serverLoggerOptions(level), destination);
}

/** A logger writing to stderr at the flag's level, else PALISADE_LOG_LEVEL, else the default. */
export function createLogger(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  defaultLevel: string,
): Logger {
  const level = flag ?? (env.PALISADE_LOG_LEVEL || defaultLevel);
  return createServerLogger(level, pino.destination({ fd: 2, sync: true }));
}

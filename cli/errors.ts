// Expected failures and how they read: one line, no stack trace, exit code 1.
import { Code, ConnectError } from "@connectrpc/connect";

/** A failure the user can act on; printed as `error: <message>`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

// Node system error codes that mean the control plane could not be reached at all.
const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
]);

/** Rewrites an admin API failure as a CliError that names the server and the fix. */
export function adminFailure(error: unknown, server: string): unknown {
  if (!(error instanceof ConnectError)) return error;
  const cause = systemErrorCode(error);
  if (cause !== undefined || (error.code === Code.Unavailable && error.cause !== undefined)) {
    return new CliError(`cannot reach the control plane at ${server} (${cause ?? error.rawMessage})`);
  }
  if (error.code === Code.Unauthenticated) {
    return new CliError(`not authorised: ${error.rawMessage} (set --token or PALISADE_TOKEN)`);
  }
  return new CliError(`${codeName(error.code)}: ${error.rawMessage}`);
}

/** A Connect code as it is named on the wire (`invalid_argument`). */
export function codeName(code: Code): string {
  return Code[code].replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
}

/** The first Node system error code (`ECONNREFUSED`…) in an error's cause chain. */
export function systemErrorCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  for (let e = error; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === "string" && UNREACHABLE.has(code)) return code;
    if (e instanceof AggregateError) {
      for (const inner of e.errors) {
        const found = systemErrorCode(inner);
        if (found !== undefined) return found;
      }
    }
  }
  return undefined;
}

/**
 * Rewrites a control-plane start-up failure caused by its database (unreachable server, or an
 * error reported by PostgreSQL itself) as a CliError; anything else is returned unchanged.
 */
export function databaseFailure(error: unknown, usingDatabaseUrl: boolean): unknown {
  const where = usingDatabaseUrl ? "the database of DATABASE_URL" : "the embedded database";
  const network = systemErrorCode(error);
  if (network !== undefined) return new CliError(`the control plane cannot reach ${where} (${network})`);
  if (isPostgresError(error)) return new CliError(`${where} refused: ${error.message} (SQLSTATE ${error.code})`);
  return error;
}

// PostgreSQL errors (from pg) carry a severity and a five-character SQLSTATE code.
function isPostgresError(error: unknown): error is Error & { code: string; severity: string } {
  if (!(error instanceof Error)) return false;
  const { code, severity } = error as Error & { code?: unknown; severity?: unknown };
  return typeof severity === "string" && typeof code === "string" && /^[0-9A-Z]{5}$/.test(code);
}

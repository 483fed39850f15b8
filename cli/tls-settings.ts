// TLS settings of the servers: certificate and key files for the control plane's port and the
// agent's listener, and the CA file trusted for private upstream providers. Each is a flag with an
// environment twin; the flag wins. (The CA trusted for the control plane, `--ca-file`, is a client
// setting beside `--server` in settings.ts.)
import { Option, type Command } from "commander";
import { TlsFileError, type TlsFiles } from "../core/tls/tls-files.js";
import { CliError } from "./errors.js";
import { nonEmpty } from "./settings.js";

type Env = Readonly<Record<string, string | undefined>>;

/** Flags of the TLS settings (each command has the ones it registers). */
export interface TlsFlags {
  tlsCert?: string;
  tlsKey?: string;
  agentTlsCert?: string;
  agentTlsKey?: string;
  upstreamCaFile?: string;
}

/** Adds `--tls-cert` and `--tls-key`: HTTPS on the control plane's port. */
export function withControlPlaneTlsOptions(command: Command): Command {
  return command
    .addOption(new Option("--tls-cert <file>", "PEM certificate (chain) for the control plane's port [env: PALISADE_TLS_CERT]"))
    .addOption(new Option("--tls-key <file>", "PEM private key of --tls-cert [env: PALISADE_TLS_KEY]"));
}

/** Adds `--agent-tls-cert`, `--agent-tls-key` (HTTPS for SDKs) and `--upstream-ca-file`. */
export function withAgentTlsOptions(command: Command): Command {
  return command
    .addOption(new Option("--agent-tls-cert <file>", "PEM certificate (chain) for the agent's listener [env: PALISADE_AGENT_TLS_CERT]"))
    .addOption(new Option("--agent-tls-key <file>", "PEM private key of --agent-tls-cert [env: PALISADE_AGENT_TLS_KEY]"))
    .addOption(
      new Option(
        "--upstream-ca-file <file>",
        "PEM CA bundle trusted for upstream providers, besides Node's roots [env: PALISADE_UPSTREAM_CA_FILE]",
      ),
    );
}

/** The control plane's certificate and key files, when both are set; one alone is an error. */
export function controlPlaneTls(flags: TlsFlags, env: Env): TlsFiles | undefined {
  return pair(
    { flag: "--tls-cert", variable: "PALISADE_TLS_CERT", value: flags.tlsCert ?? nonEmpty(env.PALISADE_TLS_CERT) },
    { flag: "--tls-key", variable: "PALISADE_TLS_KEY", value: flags.tlsKey ?? nonEmpty(env.PALISADE_TLS_KEY) },
  );
}

/** The agent listener's certificate and key files, when both are set; one alone is an error. */
export function agentTls(flags: TlsFlags, env: Env): TlsFiles | undefined {
  return pair(
    {
      flag: "--agent-tls-cert",
      variable: "PALISADE_AGENT_TLS_CERT",
      value: flags.agentTlsCert ?? nonEmpty(env.PALISADE_AGENT_TLS_CERT),
    },
    {
      flag: "--agent-tls-key",
      variable: "PALISADE_AGENT_TLS_KEY",
      value: flags.agentTlsKey ?? nonEmpty(env.PALISADE_AGENT_TLS_KEY),
    },
  );
}

/** The CA file for upstream providers: flag, else PALISADE_UPSTREAM_CA_FILE, else none. */
export function upstreamCaFile(flag: string | undefined, env: Env): string | undefined {
  return flag ?? nonEmpty(env.PALISADE_UPSTREAM_CA_FILE);
}

/** Rewrites an unusable TLS file (missing, not PEM, key of another certificate) as a CliError. */
export function tlsFailure(error: unknown): unknown {
  return error instanceof TlsFileError ? new CliError(error.message) : error;
}

interface Setting {
  flag: string;
  variable: string;
  value: string | undefined;
}

function pair(cert: Setting, key: Setting): TlsFiles | undefined {
  if (cert.value !== undefined && key.value !== undefined) return { certFile: cert.value, keyFile: key.value };
  if (cert.value === undefined && key.value === undefined) return undefined;
  const [given, missing] = cert.value === undefined ? [key, cert] : [cert, key];
  throw new CliError(`${given.flag} needs ${missing.flag} (or ${missing.variable}): a certificate and its key go together`);
}

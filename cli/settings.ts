// Settings shared by every command: each is a flag with an environment twin, and the flag wins.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Option, type Command } from "commander";

export const DEFAULT_SERVER = "http://127.0.0.1:7070";
export const DEFAULT_DATA_DIR = "./.palisade";
export const DEFAULT_LISTEN = "127.0.0.1:7070";
export const DEFAULT_AGENT_LISTEN = "127.0.0.1:8080";
/** Name of the admin token file inside the data directory. */
export const ADMIN_TOKEN_FILE = "admin-token";

type Env = Readonly<Record<string, string | undefined>>;

/** Flags of commands that talk to the admin API. */
export interface AdminFlags {
  server?: string;
  token?: string;
  dataDir?: string;
  caFile?: string;
}

/** Where the admin API is, the token to present, and the CA trusted for an https:// server. */
export interface AdminSettings {
  server: string;
  token: string | undefined;
  caFile: string | undefined;
}

/** Adds `--server`, `--token`, `--data-dir` and `--ca-file` to a command that talks to the admin API. */
export function withAdminOptions(command: Command): Command {
  return command
    .addOption(serverOption())
    .addOption(new Option("--token <token>", "admin token [env: PALISADE_TOKEN, default: <data-dir>/admin-token]"))
    .addOption(dataDirOption())
    .addOption(caFileOption());
}

/** `--server URL`: where the CLI and agents find the control plane. */
export function serverOption(): Option {
  return new Option("--server <url>", `control-plane address [env: PALISADE_SERVER, default: ${DEFAULT_SERVER}]`);
}

/** `--ca-file FILE`: the CA bundle trusted for an https:// control plane (else Node's roots). */
export function caFileOption(): Option {
  return new Option(
    "--ca-file <file>",
    "PEM CA bundle that signed the control plane's certificate [env: PALISADE_CA_FILE, default: Node's trusted roots]",
  );
}

/** `--data-dir DIR`: embedded database files and the admin token file. */
export function dataDirOption(): Option {
  return new Option("--data-dir <dir>", `data directory [env: PALISADE_DATA_DIR, default: ${DEFAULT_DATA_DIR}]`);
}

/** `--listen HOST:PORT` of the control plane. */
export function listenOption(): Option {
  return new Option(
    "--listen <host:port>",
    `control-plane address to listen on [env: PALISADE_LISTEN, default: ${DEFAULT_LISTEN}]`,
  );
}

/** `--agent-listen HOST:PORT` of the agent. */
export function agentListenOption(): Option {
  return new Option(
    "--agent-listen <host:port>",
    `agent address to listen on [env: PALISADE_AGENT_LISTEN, default: ${DEFAULT_AGENT_LISTEN}]`,
  );
}

/** `--public-url URL`: where people and webhooks reach the control plane (links to the console). */
export function publicUrlOption(): Option {
  return new Option(
    "--public-url <url>",
    "the control plane's URL as browsers and webhook receivers reach it, for console links [env: PALISADE_PUBLIC_URL, default: the listen address]",
  );
}

/** The public URL: flag, else PALISADE_PUBLIC_URL, else none (the bound URL is used). */
export function publicUrl(flag: string | undefined, env: Env): string | undefined {
  const value = flag ?? nonEmpty(env.PALISADE_PUBLIC_URL);
  return value === undefined ? undefined : serverUrl(value);
}

/** Resolves the admin API settings: flag, else environment, else default. */
export function adminSettings(flags: AdminFlags, env: Env): AdminSettings {
  const token = flags.token ?? nonEmpty(env.PALISADE_TOKEN) ?? readAdminTokenFile(dataDir(flags.dataDir, env));
  const server = serverUrl(flags.server ?? nonEmpty(env.PALISADE_SERVER) ?? DEFAULT_SERVER);
  return { server, token, caFile: caFile(flags.caFile, env) };
}

/** The CA file trusted for the control plane: flag, else PALISADE_CA_FILE, else none. */
export function caFile(flag: string | undefined, env: Env): string | undefined {
  return flag ?? nonEmpty(env.PALISADE_CA_FILE);
}

/** The data directory: flag, else PALISADE_DATA_DIR, else `./.palisade`. */
export function dataDir(flag: string | undefined, env: Env): string {
  return flag ?? nonEmpty(env.PALISADE_DATA_DIR) ?? DEFAULT_DATA_DIR;
}

/** The control plane's listen address: flag, else PALISADE_LISTEN, else the default. */
export function listenAddress(flag: string | undefined, env: Env): string {
  return flag ?? nonEmpty(env.PALISADE_LISTEN) ?? DEFAULT_LISTEN;
}

/** The agent's listen address: flag, else PALISADE_AGENT_LISTEN, else the default. */
export function agentListenAddress(flag: string | undefined, env: Env): string {
  return flag ?? nonEmpty(env.PALISADE_AGENT_LISTEN) ?? DEFAULT_AGENT_LISTEN;
}

/** The admin token stored in the data directory, when that file exists. */
export function readAdminTokenFile(dir: string): string | undefined {
  const path = join(dir, ADMIN_TOKEN_FILE);
  if (!existsSync(path)) return undefined;
  return nonEmpty(readFileSync(path, "utf8").trim());
}

/** Accepts `host:port` as well as a URL, and drops a trailing slash. */
export function serverUrl(value: string): string {
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  return url.replace(/\/+$/, "");
}

/** An unset and an empty variable mean the same: not given. */
export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

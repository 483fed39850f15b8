// The agent's limits as settings: `--max-body-bytes`, `--buffer-size`, `--buffer-bytes`, `--upstream-timeout`,
// `--upstream-idle-timeout`, `--drain-timeout` and `--phone-regions`, each with its env twin.
import { Option, type Command } from "commander";
import { parseDurationSeconds } from "./duration.js";
import { CliError } from "./errors.js";
import { nonEmpty } from "./settings.js";

type Env = Readonly<Record<string, string | undefined>>;

/** Flags carrying the agent's limits. */
export interface AgentLimitFlags {
  maxBodyBytes?: string;
  bufferSize?: string;
  bufferBytes?: string;
  upstreamTimeout?: string;
  upstreamIdleTimeout?: string;
  drainTimeout?: string;
  phoneRegions?: string;
}

/** Limits to pass to `startAgent`; absent ones take the agent's defaults. */
export interface AgentLimits {
  maxBodyBytes?: number;
  bufferSize?: number;
  bufferBytes?: number;
  upstreamTimeoutMs?: number;
  upstreamIdleTimeoutMs?: number;
  drainTimeoutMs?: number;
  phoneRegions?: string[];
}

const UNITS: Record<string, number> = { "": 1, k: 1024, kib: 1024, m: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gib: 1024 ** 3 };

/** Adds `--max-body-bytes` and `--buffer-size` to a command that runs an agent. */
export function withAgentLimitOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        "--max-body-bytes <size>",
        "largest request body the agent accepts, e.g. 16MiB; larger ones get 413 [env: PALISADE_MAX_BODY_BYTES, default: 16MiB]",
      ),
    )
    .addOption(
      new Option(
        "--buffer-size <count>",
        "exchanges the agent holds until the control plane ACKs them; when full it refuses requests with 503 [env: PALISADE_BUFFER_SIZE, default: 10000]",
      ),
    )
    .addOption(
      new Option(
        "--buffer-bytes <size>",
        "size the exchanges held until the control plane ACKs them may reach (their bodies), e.g. 512MiB; then it refuses requests with 503 [env: PALISADE_BUFFER_BYTES, default: 256MiB]",
      ),
    )
    .addOption(
      new Option(
        "--upstream-timeout <duration>",
        "how long a provider may take to start answering before the caller gets 504, e.g. 90s [env: PALISADE_UPSTREAM_TIMEOUT, default: 10m]",
      ),
    )
    .addOption(
      new Option(
        "--upstream-idle-timeout <duration>",
        "how long a provider's answer may send nothing (between its headers and a chunk, or two chunks) before it is cut off with an error, e.g. 60s [env: PALISADE_UPSTREAM_IDLE_TIMEOUT, default: 5m]",
      ),
    )
    .addOption(
      new Option(
        "--drain-timeout <duration>",
        "on SIGTERM, how long requests in flight may finish before they are cut, e.g. 2m [env: PALISADE_DRAIN_TIMEOUT, default: 10s]",
      ),
    )
    .addOption(
      new Option(
        "--phone-regions <list>",
        "regions (ISO 3166 alpha-2, comma-separated) whose national phone numbers mask policies find when they name no phoneRegion; \"none\" for + numbers only [env: PALISADE_PHONE_REGIONS, default: US]",
      ),
    );
}

/** Resolves the limits: flag, else environment, else the agent's default; bad values are errors. */
export function agentLimits(flags: AgentLimitFlags, env: Env): AgentLimits {
  const body = flags.maxBodyBytes ?? nonEmpty(env.PALISADE_MAX_BODY_BYTES);
  const buffer = flags.bufferSize ?? nonEmpty(env.PALISADE_BUFFER_SIZE);
  const bufferBytes = flags.bufferBytes ?? nonEmpty(env.PALISADE_BUFFER_BYTES);
  const timeout = flags.upstreamTimeout ?? nonEmpty(env.PALISADE_UPSTREAM_TIMEOUT);
  const idle = flags.upstreamIdleTimeout ?? nonEmpty(env.PALISADE_UPSTREAM_IDLE_TIMEOUT);
  const drain = flags.drainTimeout ?? nonEmpty(env.PALISADE_DRAIN_TIMEOUT);
  const regions = flags.phoneRegions ?? nonEmpty(env.PALISADE_PHONE_REGIONS);
  return {
    ...(regions === undefined ? {} : { phoneRegions: parseRegions(regions) }),
    ...(timeout === undefined ? {} : { upstreamTimeoutMs: parseTimeout(timeout, "--upstream-timeout") }),
    ...(idle === undefined ? {} : { upstreamIdleTimeoutMs: parseTimeout(idle, "--upstream-idle-timeout") }),
    ...(drain === undefined ? {} : { drainTimeoutMs: parseTimeout(drain, "--drain-timeout") }),
    ...(body === undefined ? {} : { maxBodyBytes: parseSize(body, "--max-body-bytes") }),
    ...(buffer === undefined ? {} : { bufferSize: parseCount(buffer, "--buffer-size") }),
    ...(bufferBytes === undefined ? {} : { bufferBytes: parseSize(bufferBytes, "--buffer-bytes") }),
  };
}

/** Parses `1048576`, `512KiB`, `16MiB`, `1GiB` (k/m/g accepted) into bytes. */
export function parseSize(text: string, what: string): number {
  const match = /^(\d+)\s*([a-z]*)$/i.exec(text.trim());
  const unit = match ? UNITS[match[2]!.toLowerCase()] : undefined;
  const bytes = match && unit !== undefined ? Number(match[1]) * unit : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    throw new CliError(`${what} must be a size in bytes such as 1048576 or 16MiB, got "${text}"`);
  }
  return bytes;
}

/** Parses `US`, `us, gb` or `none` into region codes (upper case); the agent refuses, at start, a code without a numbering plan. */
export function parseRegions(text: string): string[] {
  if (text.trim().toLowerCase() === "none") return [];
  const regions = text.split(",").map((region) => region.trim().toUpperCase()).filter(Boolean);
  const unknown = regions.find((region) => !/^[A-Z]{2}$/.test(region));
  if (regions.length === 0 || unknown !== undefined) {
    throw new CliError(`--phone-regions must be ISO 3166 alpha-2 regions with a phone numbering plan (e.g. US,GB) or "none", got "${text}"`);
  }
  return regions;
}

function parseTimeout(text: string, what: string): number {
  const seconds = parseDurationSeconds(text.trim());
  if (seconds < 1) throw new CliError(`${what} must be at least 1s, got "${text}"`);
  return seconds * 1000;
}

function parseCount(text: string, what: string): number {
  const count = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(count) || count < 1) throw new CliError(`${what} must be a positive whole number, got "${text}"`);
  return count;
}

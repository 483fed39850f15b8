// `--redis-url` / PALISADE_REDIS_URL and `--redis-key-prefix` / PALISADE_REDIS_KEY_PREFIX: the
// counter store the control plane hands its agents (docs/limits.md). A password is never taken
// from the command line (it would sit in shell history and `ps`): it comes from the environment,
// inside PALISADE_REDIS_URL or alone in PALISADE_REDIS_PASSWORD.
import { Option, type Command } from "commander";
import type { CounterStoreSettings } from "../control-plane/limits/counter-store-config.js";
import { CliError } from "./errors.js";
import { nonEmpty } from "./settings.js";

type Env = Readonly<Record<string, string | undefined>>;

/** Flags naming the counter store. */
export interface CounterStoreFlags {
  redisUrl?: string;
  redisKeyPrefix?: string;
}

/** Adds `--redis-url` and `--redis-key-prefix` to a command that runs a control plane. */
export function withCounterStoreOptions(command: Command): Command {
  return command
    .addOption(new Option(
      "--redis-url <url>",
      "Redis where agents share limit counters, redis://host:port or rediss://; no password here (use PALISADE_REDIS_PASSWORD) [env: PALISADE_REDIS_URL, default: none, limits counted per agent]",
    ))
    .addOption(new Option("--redis-key-prefix <prefix>", "prefix of the agents' keys in Redis [env: PALISADE_REDIS_KEY_PREFIX, default: palisade:]"));
}

/** The counter store from flags and environment; undefined when none is configured. */
export function counterStoreSettings(flags: CounterStoreFlags, env: Env): CounterStoreSettings | undefined {
  const fromFlag = nonEmpty(flags.redisUrl);
  const text = fromFlag ?? nonEmpty(env.PALISADE_REDIS_URL);
  if (text === undefined) return undefined;
  if (!URL.canParse(text)) throw new CliError(`${fromFlag ? "--redis-url" : "PALISADE_REDIS_URL"} is not a URL`);
  const url = new URL(text);
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") throw new CliError("the Redis URL must start with redis:// or rediss://");
  if (fromFlag && url.password) {
    throw new CliError("--redis-url must not carry a password (it would stay in shell history): set PALISADE_REDIS_PASSWORD, or the whole URL in PALISADE_REDIS_URL");
  }
  const password = nonEmpty(env.PALISADE_REDIS_PASSWORD);
  if (password !== undefined) url.password = encodeURIComponent(password);
  const keyPrefix = nonEmpty(flags.redisKeyPrefix) ?? nonEmpty(env.PALISADE_REDIS_KEY_PREFIX);
  return { url: url.toString(), ...(keyPrefix !== undefined ? { keyPrefix } : {}) };
}

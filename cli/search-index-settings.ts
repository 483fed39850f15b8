// `--search-index-max-lag` / PALISADE_SEARCH_INDEX_MAX_LAG: how far the session text index may fall
// behind the commits before each commit indexes its own sessions (docs/audit.md).
import { Option } from "commander";
import { parseDurationSeconds } from "./duration.js";
import { nonEmpty } from "./settings.js";

/** The flag, as commander parses it. */
export interface SearchIndexFlags {
  searchIndexMaxLag?: string;
}

/** The `--search-index-max-lag` option. */
export function searchIndexMaxLagOption(): Option {
  return new Option(
    "--search-index-max-lag <duration>",
    "how far session text search may lag the commits before commits index their own sessions; 0s: always [env: PALISADE_SEARCH_INDEX_MAX_LAG, default: 10s]",
  );
}

/** The bound in ms: flag, else PALISADE_SEARCH_INDEX_MAX_LAG, else undefined (the default). */
export function searchIndexMaxLagMs(flags: SearchIndexFlags, env: Record<string, string | undefined>): number | undefined {
  const text = flags.searchIndexMaxLag ?? nonEmpty(env.PALISADE_SEARCH_INDEX_MAX_LAG);
  return text === undefined ? undefined : parseDurationSeconds(text) * 1000;
}

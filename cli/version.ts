// The package version, shown by `--version` and reported by agents started from the CLI.
import { readFileSync } from "node:fs";

/** Version from package.json. */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;

// The package version, shown by `--version` and reported by agents started from the CLI.
// Imported, not read from a path: the compiled build (dist/) sits one level deeper than the sources.
import pkg from "../package.json" with { type: "json" };

/** Version from package.json. */
export const VERSION: string = pkg.version;

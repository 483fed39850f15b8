import { defineConfig } from "vitest/config";
import { REQUIREMENTS } from "./test/support/requirements.js";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["**/node_modules/**", ".palisade/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Tests run the TypeScript sources; a `palisade` process a test starts through cli/bin.js does
    // too, rather than a dist/ build that may be older than them.
    env: { PALISADE_FROM_SOURCES: "1" },
    // Most test files wait on sockets, child processes and the database rather than compute: three
    // files at a time finish the suite in ~5.5 min on 2 cores, where the default ran them ~one at a time (~8.5 min).
    maxWorkers: 3,
    // Tests needing PostgreSQL, Redis or Chromium carry a tag; the reporter counts them (and fails a
    // CI run where a required one was skipped): test/support/requirements.ts.
    tags: [...REQUIREMENTS],
    reporters: ["default", "./test/support/requirements-reporter.ts"],
  },
});

import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", ".palisade/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Most test files wait on sockets, child processes and the database rather than compute: three
    // files at a time finish the suite in ~5.5 min on 2 cores, where the default ran them ~one at a time (~8.5 min).
    maxWorkers: 3,
  },
});

#!/usr/bin/env node
// Launcher for `npx palisade`: runs the compiled build (dist/, made by `npm run build`, which
// `npm install` and `npm ci` run through `prepare`) with plain Node. Without a build, or with
// PALISADE_FROM_SOURCES=1 (the tests' setting), it registers tsx and runs the TypeScript sources.
import { existsSync } from "node:fs";

const built = new URL("../dist/cli/main.js", import.meta.url);
if (process.env.PALISADE_FROM_SOURCES !== "1" && existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("./main.ts");
}

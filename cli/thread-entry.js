// Entry of the worker threads the CLI starts (the control plane of `palisade up`): imports the
// module `workerData.entry` names — the compiled build's .js as is, a TypeScript source through tsx
// (a worker does not inherit the loader cli/bin.js registered in the main thread).
import { workerData } from "node:worker_threads";

const { entry } = workerData;
if (entry.endsWith(".ts")) {
  const { register } = await import("tsx/esm/api");
  register();
}
await import(entry);

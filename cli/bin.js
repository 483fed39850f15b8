#!/usr/bin/env node
// Launcher for `npx palisade`: registers tsx so Node can load the TypeScript sources directly.
import { register } from "tsx/esm/api";

register();
await import("./main.ts");

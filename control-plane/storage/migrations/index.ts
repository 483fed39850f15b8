// Every migration, in order. Listed here (not discovered from files) so they run the same under
// tsx, vitest and a bundled build.
import type { MigrationObject } from "@mikro-orm/core";
import { Migration0001Initial } from "./migration-0001-initial.js";

/** The migrations the control plane runs at open, oldest first. */
export const migrations: MigrationObject[] = [
  { name: "0001-initial", class: Migration0001Initial },
];

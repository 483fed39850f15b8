// What most control-plane tests set up first: a control plane over a fresh test database, with the
// stacks' admin token and secret key, the environment `palisade` reaches it with as its admin, and
// the resource file that serves a stand-in provider as connection `standin` to every caller.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { startControlPlane, type ControlPlane, type ControlPlaneOptions } from "../../control-plane/control-plane.js";
import { createSecretBox } from "../../control-plane/crypto/secret-box.js";
import { useSecretBox } from "../../control-plane/crypto/secret-registry.js";
import { type Database, openDatabase } from "../../control-plane/storage/database.js";
import { runPalisade } from "../cli/test-context.js";
import { testDatabase, type TestDatabase, type TestFlavour } from "./database.js";

/** The key sealing secrets at rest in every stack (PostgreSQL needs one; a restart must reuse it). */
export const STACK_SECRET_KEY = Buffer.alloc(32, 1).toString("base64");

/** The admin token every stack uses. */
export const STACK_ADMIN_TOKEN = "pat_stack-admin-token-0123456789";

/** Runs `palisade ARGS` against the stack and fails the test on a non-zero exit. */
export async function palisade(env: Record<string, string>, args: string[], stdin = ""): Promise<string> {
  const run = await runPalisade(args, env, stdin);
  expect(run.code, run.stderr).toBe(0);
  return run.stdout;
}

/** Environment for admin commands against the control plane at `server` (no data directory to fall back on). */
export function adminEnv(server: string, token = STACK_ADMIN_TOKEN): Record<string, string> {
  return { PALISADE_SERVER: server, PALISADE_TOKEN: token, PALISADE_DATA_DIR: "/nonexistent" };
}

/** Connection `standin` (OpenAI-shaped) to `providerUrl` with upstream credential `secret`, and an allow-all policy (agents deny what no policy allows). */
export function standInResources(providerUrl: string, secret = "sk-stand-in-upstream"): string {
  return `kind: Connection
name: standin
provider: openai
upstream: ${providerUrl}
credential: { header: authorization, value: Bearer ${secret} }
---
kind: Policy
name: allow-all
connections: ["*"]
action: allow
`;
}

/** A control plane over its own test database. */
export interface ControlPlaneBed {
  db: TestDatabase;
  controlPlane: ControlPlane;
  /** Environment for `palisade`/`runPalisade` admin commands against it. */
  env: Record<string, string>;
  /** Closes the control plane (the one in the field then: a test may restart it), then the database. */
  close(): Promise<void>;
}

/** Options: the database flavour (default: PostgreSQL when it answers), control-plane options over the defaults. */
export interface ControlPlaneBedOptions {
  flavour?: TestFlavour;
  controlPlane?: Partial<ControlPlaneOptions>;
  /**
   * Fills the database through the storage layer before the control plane starts on it (bulk
   * data, without thousands of admin calls); secrets are sealed with the control plane's key. On
   * PGlite the database then lives in a temporary directory: an in-memory one cannot be handed over.
   */
  seed?: (db: Database) => Promise<void>;
}

/** Starts a {@link ControlPlaneBed} on 127.0.0.1, port 0. */
export async function startControlPlaneBed(options: ControlPlaneBedOptions = {}): Promise<ControlPlaneBed> {
  const db = await testDatabase(options.flavour);
  const dataDir = options.seed && db.url === undefined ? await mkdtemp(join(tmpdir(), "palisade-bed-")) : undefined;
  if (options.seed) {
    const seeded = await openDatabase({ databaseUrl: db.url, dataDir });
    try {
      useSecretBox(seeded, createSecretBox(Buffer.from(options.controlPlane?.secretKey ?? STACK_SECRET_KEY, "base64")));
      await options.seed(seeded);
    } finally {
      await seeded.close();
    }
  }
  const adminToken = options.controlPlane?.adminToken ?? STACK_ADMIN_TOKEN;
  const controlPlane = await startControlPlane({
    listen: "127.0.0.1:0",
    databaseUrl: db.url,
    dataDir,
    secretKey: STACK_SECRET_KEY,
    ...options.controlPlane,
    adminToken,
  });
  const bed: ControlPlaneBed = {
    db,
    controlPlane,
    env: adminEnv(controlPlane.url, adminToken),
    async close() {
      await bed.controlPlane.close();
      await bed.db.close();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
  return bed;
}

/**
 * Registers hooks on the enclosing suite (or file): a bed started before its tests and closed after
 * them. `env` is one object, filled in when the bed starts, so it can be destructured at once.
 */
export function useControlPlaneBed(options: ControlPlaneBedOptions = {}): { env: Record<string, string>; bed(): ControlPlaneBed } {
  const env: Record<string, string> = {};
  let bed: ControlPlaneBed | undefined;
  beforeAll(async () => {
    bed = await startControlPlaneBed(options);
    Object.assign(env, bed.env);
  });
  afterAll(() => bed?.close());
  return {
    env,
    bed: () => {
      if (!bed) throw new Error("the control plane bed is used before its suite started it");
      return bed;
    },
  };
}

// Fresh databases for tests: a PostgreSQL database of its own per test file when the local server
// answers, else (or with PALISADE_TEST_DATABASE=pglite) an in-memory PGlite.
import { randomBytes } from "node:crypto";
import { Socket } from "node:net";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { gate, isRequired } from "./requirements.js";
import { type Database, openDatabase } from "../../control-plane/storage/database.js";

const ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres";

/** A database for one test file; `url` undefined means in-memory PGlite. */
export interface TestDatabase {
  url: string | undefined;
  close(): Promise<void>;
}

/** A flavour a storage suite runs on. */
export type TestFlavour = "pglite" | "postgres";

let reachable: Promise<boolean> | undefined;

/**
 * Whether the local PostgreSQL answers on 127.0.0.1:5432 (and is not turned off by env). When CI
 * requires it (PALISADE_TEST_REQUIRE names postgres) an unanswering server is an error, not a skip.
 */
export function postgresAvailable(): Promise<boolean> {
  if (process.env.PALISADE_TEST_DATABASE === "pglite" && !isRequired("postgres")) return Promise.resolve(false);
  reachable ??= gate("postgres", () => new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => { socket.destroy(); resolve(ok); };
    // Generous when required: a loaded CI machine may be slow to accept, and a wrong "no" would skip.
    socket.setTimeout(isRequired("postgres") ? 10_000 : 500, () => done(false));
    socket.once("error", () => done(false));
    socket.connect(5432, "127.0.0.1", () => done(true));
  }));
  return reachable;
}

/** The flavours to run both-engine suites on: always pglite, plus postgres when reachable. */
export async function databaseFlavours(): Promise<TestFlavour[]> {
  return (await postgresAvailable()) ? ["pglite", "postgres"] : ["pglite"];
}

/** A fresh database of `flavour` (default: postgres when reachable, else pglite). */
export async function testDatabase(flavour?: TestFlavour): Promise<TestDatabase> {
  const wanted = flavour ?? ((await postgresAvailable()) ? "postgres" : "pglite");
  if (wanted === "pglite") return { url: undefined, close: async () => {} };
  const name = `palisade_t_${randomBytes(6).toString("hex")}`;
  await admin(`create database ${name}`);
  return {
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    close: () => admin(`drop database if exists ${name} with (force)`),
  };
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh database of `flavour`, opened (migrations run); `close` closes it and drops it. */
export async function openTestDatabase(flavour: TestFlavour): Promise<{ db: Database; url: string | undefined; close(): Promise<void> }> {
  const database = await testDatabase(flavour);
  const db = await openDatabase({ databaseUrl: database.url });
  return {
    db,
    url: database.url,
    async close() {
      await db.close();
      await database.close();
    },
  };
}

/** Hooks on the enclosing suite: a fresh opened database of `flavour` (and its URL) handed to `use` before its tests, closed after them. */
export function useOpenTestDatabase(flavour: TestFlavour, use: (opened: { db: Database; url: string | undefined }) => void): void {
  let opened: Awaited<ReturnType<typeof openTestDatabase>> | undefined;
  beforeAll(async () => {
    opened = await openTestDatabase(flavour);
    use(opened);
  });
  afterAll(() => opened?.close());
}

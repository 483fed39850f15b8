// A PostgreSQL cluster of the test's own (initdb + pg_ctl in a temporary directory, on a free
// port), so that a test can restart its database without touching the shared one other suites
// use. PostgreSQL refuses to run as root: when the tests run as root, the binaries run as the
// `postgres` user, in a directory it owns.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./fault-bed.js";

const run = promisify(execFile);
const BIN = "/usr/lib/postgresql/15/bin";

/** A running private cluster. */
export interface PrivatePostgres {
  /** `postgres://postgres@127.0.0.1:PORT/postgres` */
  url: string;
  /** `pg_ctl restart -m fast`: every connection is cut, the server is back when this resolves. */
  restart(): Promise<void>;
  /** Stops the cluster and removes its directory. */
  close(): Promise<void>;
}

/** Why a private cluster cannot be started here, or undefined when it can. */
export async function privatePostgresUnavailable(): Promise<string | undefined> {
  if (!existsSync(join(BIN, "initdb")) || !existsSync(join(BIN, "pg_ctl"))) return `no PostgreSQL 15 binaries in ${BIN}`;
  if (userInfo().uid === 0) {
    try {
      await run("id", ["-u", "postgres"]);
    } catch {
      return "running as root and there is no postgres user to run PostgreSQL as";
    }
    if (!existsSync("/usr/sbin/runuser") && !existsSync("/sbin/runuser")) return "running as root without runuser";
  }
  return undefined;
}

/** Starts a fresh cluster (trust authentication, fsync off: a test's throwaway data). */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = await mkdtemp(join(tmpdir(), "palisade-pg-"));
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: gid } = await run("id", ["-g", "postgres"]);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const pg = (binary: string, args: string[]) =>
    asRoot ? run("runuser", ["-u", "postgres", "--", join(BIN, binary), ...args]) : run(join(BIN, binary), args);
  const data = join(dir, "data");
  const port = await freePort();
  await pg("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const ctl = (...args: string[]) => pg("pg_ctl", ["-D", data, "-l", join(dir, "log"), "-o", options, "-w", "-t", "60", ...args]);
  await ctl("start");
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async restart() {
      await ctl("restart", "-m", "fast");
    },
    async close() {
      await ctl("stop", "-m", "immediate").catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

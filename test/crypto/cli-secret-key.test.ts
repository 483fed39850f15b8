// `palisade control-plane` on PostgreSQL without a secret key refuses to start with one clear line,
// and starts with PALISADE_SECRET_KEY; PALISADE_SECRET_KEY_PREVIOUS rotates it, after which the old
// key alone is refused.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPalisade } from "../cli/test-context.js";
import { postgresAvailable, testDatabase, type TestDatabase } from "../support/database.js";

describe.runIf(await postgresAvailable())("palisade control-plane and PALISADE_SECRET_KEY", { tags: ["postgres"] }, () => {
  let db: TestDatabase;
  beforeAll(async () => { db = await testDatabase("postgres"); });
  afterAll(async () => { await db?.close(); });

  it("refuses PostgreSQL without a key, naming the variable", async () => {
    const run = await runPalisade(["control-plane", "--listen", "127.0.0.1:0"], { DATABASE_URL: db.url, PALISADE_LOG_LEVEL: "silent" });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: set PALISADE_SECRET_KEY \(the base64 of 32 random bytes.*every replica must be given the same key\n$/);
  });

  it("refuses a malformed key", async () => {
    const run = await runPalisade(["control-plane", "--listen", "127.0.0.1:0"],
      { DATABASE_URL: db.url, PALISADE_SECRET_KEY: "not-a-key", PALISADE_LOG_LEVEL: "silent" });
    expect(run.stderr).toMatch(/^error: PALISADE_SECRET_KEY must be the base64 of 32 random bytes/);
  });

  const [first, second] = [randomBytes(32).toString("base64"), randomBytes(32).toString("base64")];
  const start = (env: Record<string, string>) => runPalisade(["control-plane", "--listen", "127.0.0.1:0"],
    { DATABASE_URL: db.url!, PALISADE_LOG_LEVEL: "silent", ...env });

  it("starts with a key (and stops on the stop signal)", async () => {
    const run = await start({ PALISADE_SECRET_KEY: first });
    expect(run.stderr).toContain("control plane listening on");
    expect(run.code).toBe(0);
  });

  it("rotates to a new key given the previous one, then refuses the old key alone", async () => {
    expect(await start({ PALISADE_SECRET_KEY: second })).toMatchObject({
      code: 1, stderr: expect.stringMatching(/^error: the secret key .* give that key as PALISADE_SECRET_KEY_PREVIOUS/),
    });
    expect(await start({ PALISADE_SECRET_KEY: second, PALISADE_SECRET_KEY_PREVIOUS: second })).toMatchObject({
      code: 1, stderr: "error: PALISADE_SECRET_KEY_PREVIOUS is the same key as the current one: give the previous key of the rotation there\n",
    });
    const rotated = await start({ PALISADE_SECRET_KEY: second, PALISADE_SECRET_KEY_PREVIOUS: first });
    expect(rotated.stderr).toContain("control plane listening on");
    expect(rotated.code).toBe(0);
    expect(await start({ PALISADE_SECRET_KEY: first })).toMatchObject({ code: 1, stderr: expect.stringMatching(/^error: the secret key .* is not the key/) });
    expect((await start({ PALISADE_SECRET_KEY: second })).code).toBe(0);
  });
});

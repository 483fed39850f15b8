// The CLI against a real stack on PostgreSQL: sessions from the real `openai` client and admin
// actions land in the chain; `audit verify` passes, then names the first broken entry after an
// exchange row is edited; `audit export` + `audit public-key` verify offline, and a tampered
// export or a key that did not sign the checkpoints fails.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import pg from "pg";
import { exportJWK, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPalisade } from "../cli/test-context.js";
import { eventually } from "../support/eventually.js";
import { palisade, type Stack, startStack } from "../support/stack.js";

describe("palisade audit verify, export and public-key", () => {
  let stack: Stack;
  let dir: string;
  let lastSession: string;
  const query = async <T>(sql: string): Promise<T[]> => {
    const client = new pg.Client({ connectionString: stack.db.url });
    await client.connect();
    try { return (await client.query(sql)).rows as T[]; } finally { await client.end(); }
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "palisade-audit-"));
    stack = await startStack({ agentName: "edge-audit", controlPlane: { auditCheckpoints: { everyEntries: 3, everyMs: 200 } } });
    const client = new OpenAI({ baseURL: stack.baseURL, apiKey: stack.callerToken, maxRetries: 0 });
    const headCheckpointed = () => eventually("a checkpoint of the head", async () => {
      const [row] = await query<{ ok: boolean }>("select (select max(seq) from audit_checkpoint) = (select max(seq) from audit_log) as ok");
      return row!.ok ? true : undefined;
    });
    const listed = (id: string) => eventually(`session ${id} in the chain`, async () => (await query<{ seq: string }>(
      `select seq from audit_log where type = 'sessions' and payload->'sessions' @> '[["${id}"]]'::jsonb`,
    ))[0]?.seq);
    for (let i = 0; i < 3; i += 1) {
      const made = await client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: `hello ${i}` }] }).withResponse();
      await listed(made.response.headers.get("x-palisade-session")!);
    }
    await headCheckpointed();
    // The last session commits after a checkpoint: its entry has one below it.
    const last = await client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "hello 3" }] }).withResponse();
    lastSession = last.response.headers.get("x-palisade-session")!;
    await listed(lastSession);
    await headCheckpointed();
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("verifies online, exports, and verifies the export offline with the public key", async () => {
    expect(await palisade(stack.env, ["audit", "verify"])).toMatch(
      /^audit log intact: \d+ entries, [1-9]\d* checkpoints checked\nlast verified checkpoint: seq \d+ at \S+Z, key \S+\n$/,
    );
    const admin = await query<{ rpc: string }>("select payload->>'rpc' as rpc from audit_log where type = 'admin' order by seq");
    expect(admin.map((row) => row.rpc)).toEqual([
      "palisade.admin.v1.AgentAdminService/CreateAgent", "palisade.admin.v1.ResourceService/Apply", "palisade.admin.v1.TokenService/CreateToken",
    ]);
    await writeFile(join(dir, "pub.jwk"), await palisade(stack.env, ["audit", "public-key"]));
    const exported = join(dir, "export.jsonl");
    await palisade(stack.env, ["audit", "export", "--format", "jsonl", "--output", exported]);
    const lines = (await readFile(exported, "utf8")).trim().split("\n");
    expect(lines.some((line) => line.startsWith('{"checkpoint"'))).toBe(true);
    // Offline: no server, no token.
    const offline = await runPalisade(["audit", "verify", "--file", exported, "--key", join(dir, "pub.jwk")], {});
    expect(offline).toMatchObject({ code: 0, stdout: expect.stringMatching(/^audit log intact: \d+ entries/) });
    // An edited export fails at the edited entry.
    // The caller of a session, as its commit's entry lists it.
    const edited = lines.map((line) => (line.includes('"type":"sessions"') ? line.replace('"edge-audit@example.com"', '"mallory"') : line));
    const firstEdited = edited.findIndex((line, i) => line !== lines[i]);
    const seq = (JSON.parse(lines[firstEdited]!) as { entry: { seq: number } }).entry.seq;
    await writeFile(join(dir, "edited.jsonl"), `${edited.join("\n")}\n`);
    const broken = await runPalisade(["audit", "verify", "--file", join(dir, "edited.jsonl"), "--key", join(dir, "pub.jwk")], {});
    expect(broken.code).toBe(1);
    expect(broken.stdout.split("\n")[0]).toBe(`audit log BROKEN at seq ${seq}: entry ${seq}: hash does not match its contents (edited or moved)`);
    // A key that did not sign the checkpoints.
    const { publicKey } = await generateKeyPair("ES256");
    await writeFile(join(dir, "other.jwk"), JSON.stringify({ ...await exportJWK(publicKey), kid: "other" }));
    const wrongKey = await runPalisade(["audit", "verify", "--file", exported, "--key", join(dir, "other.jwk")], {});
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stdout).toMatch(/signed by unknown key/);
    // Pinned key, online export.
    expect((await runPalisade(["audit", "verify", "--key", join(dir, "pub.jwk"), "-o", "json"], stack.env)).code).toBe(0);
  });

  it("names the entry of an exchange row edited in PostgreSQL, in a seq range too", async () => {
    const [victim] = await query<{ seq: string; session: string }>(
      `select seq, '${lastSession}' as session from audit_log where type = 'sessions' and payload->'sessions' @> '[["${lastSession}"]]'::jsonb`,
    );
    await query(`update exchange set response_body = response_body || ' (edited)' where id = '${victim!.session}'`);
    const run = await runPalisade(["audit", "verify"], stack.env);
    expect(run.code).toBe(1);
    const [broken, checkpoint] = run.stdout.split("\n");
    expect(broken).toBe(`audit log BROKEN at seq ${victim!.seq}: entry ${victim!.seq}: session ${victim!.session} was changed after it was recorded`);
    // The newest checkpoint that still vouches for something is below the break.
    expect(Number(/^last verified checkpoint: seq (\d+) /.exec(checkpoint!)?.[1])).toBeLessThan(Number(victim!.seq));
    expect(run.stderr).toContain(`the audit log is broken at seq ${victim!.seq}`);
    expect(await palisade(stack.env, ["audit", "verify", "--from", "1", "--to", String(Number(victim!.seq) - 1)])).toMatch(/^audit log intact/);
    const json = await runPalisade(["audit", "verify", "--from", "2020-01-01T00:00:00Z", "-o", "json"], stack.env);
    expect(json).toMatchObject({ code: 1, stderr: expect.stringContaining("broken at seq") });
    const report = JSON.parse(json.stdout) as { lastCheckpoint?: { seq: number; jws?: string } };
    expect(report).toMatchObject({ ok: false, firstBroken: { seq: Number(victim!.seq) }, lastCheckpoint: { seq: expect.any(Number), kid: expect.any(String) } });
    expect(report.lastCheckpoint!.seq).toBeLessThan(Number(victim!.seq));
    expect(report.lastCheckpoint!.jws).toBeUndefined();
  });
});

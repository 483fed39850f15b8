// `palisade audit rotate-key` against a real stack on PostgreSQL: the rotation is audited and
// recorded in the chain, later checkpoints are signed by the new key, `audit public-key` then gives
// both keys with their ranges, and an export spanning the rotation verifies offline with them —
// not with the old key alone.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPalisade } from "../cli/test-context.js";
import { eventually } from "../support/eventually.js";
import { palisade, type Stack, startStack } from "../support/stack.js";

describe("palisade audit rotate-key", () => {
  let stack: Stack;
  let dir: string;
  let client: OpenAI;
  const query = async <T>(sql: string): Promise<T[]> => {
    const connection = new pg.Client({ connectionString: stack.db.url });
    await connection.connect();
    try { return (await connection.query(sql)).rows as T[]; } finally { await connection.end(); }
  };
  const chat = (content: string) => client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content }] });
  const headCheckpointKid = async () => {
    const [row] = await query<{ kid: string | null }>(
      "select (select kid from audit_checkpoint where seq = (select max(seq) from audit_log)) as kid");
    return row!.kid ?? undefined;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "palisade-audit-rotate-"));
    stack = await startStack({ agentName: "edge-rotate", controlPlane: { auditCheckpoints: { everyEntries: 2, everyMs: 200 } } });
    client = new OpenAI({ baseURL: stack.baseURL, apiKey: stack.callerToken, maxRetries: 0 });
    await chat("before");
    await eventually("a checkpoint of the head", headCheckpointKid);
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("hands over to a new key that verify accepts after the handover only", async () => {
    const before = await palisade(stack.env, ["audit", "public-key"]);
    await writeFile(join(dir, "old.jwk"), before);
    const oldKid = (JSON.parse(before) as { kid: string }).kid;

    const rotated = await runPalisade(["audit", "rotate-key"], stack.env);
    expect(rotated.code, rotated.stderr).toBe(0);
    const match = /^audit checkpoint key rotated: (\S+) signed its last checkpoint at seq (\d+) \(the rotation entry\); (\S+) signs from seq (\d+) on\n$/.exec(rotated.stdout);
    expect(match?.[1]).toBe(oldKid);
    const [handover, newKid] = [Number(match![2]), match![3]!];
    expect(Number(match![4])).toBe(handover + 1);

    const admin = await query<{ seq: string; action: string | null; rpc: string | null }>(
      `select seq, payload->>'action' as action, payload->>'rpc' as rpc from audit_log where type = 'admin' and seq >= ${handover} order by seq`);
    expect(admin.map((row) => [Number(row.seq), row.action ?? row.rpc])).toEqual([
      [handover, "rotate audit checkpoint key"], [handover + 1, "palisade.admin.v1.AuditLogService/RotateLogKey"],
    ]);
    const [handoverCheckpoint] = await query<{ kid: string }>(`select kid from audit_checkpoint where seq = ${handover}`);
    expect(handoverCheckpoint!.kid).toBe(oldKid);

    await chat("after");
    await eventually("a checkpoint of the head by the new key", async () => ((await headCheckpointKid()) === newKid ? true : undefined));
    expect(await palisade(stack.env, ["audit", "verify"])).toMatch(/^audit log intact/);

    const keys = JSON.parse(await palisade(stack.env, ["audit", "public-key"])) as { keys: Array<Record<string, unknown>> };
    expect(keys.keys.map((key) => [key.kid, key.palisade_valid_from_seq, key.palisade_valid_to_seq])).toEqual([
      [oldKid, 1, handover], [newKid, handover + 1, undefined],
    ]);
    await writeFile(join(dir, "keys.jwks"), JSON.stringify(keys));
    const exported = join(dir, "export.jsonl");
    await palisade(stack.env, ["audit", "export", "--output", exported]);
    expect(await runPalisade(["audit", "verify", "--file", exported, "--key", join(dir, "keys.jwks")], {}))
      .toMatchObject({ code: 0, stdout: expect.stringMatching(/^audit log intact/) });
    const oldOnly = await runPalisade(["audit", "verify", "--file", exported, "--key", join(dir, "old.jwk")], {});
    expect(oldOnly.code).toBe(1);
    expect(oldOnly.stdout).toMatch(new RegExp(`signed by unknown key ${newKid}`));
  });
});

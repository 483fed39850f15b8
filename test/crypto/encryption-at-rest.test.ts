// Secrets at rest on PostgreSQL: the raw columns hold only sealed values, plaintext left by older
// versions is sealed at start, another key is refused at start, and credentials still reach the
// upstream through an agent — while never appearing in the admin API or in any log line.
import { Writable } from "node:stream";
import { randomBytes } from "node:crypto";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAgent, type Agent } from "../../agent/agent.js";
import { startControlPlane, type ControlPlane } from "../../control-plane/control-plane.js";
import { createSecretBox } from "../../control-plane/crypto/secret-box.js";
import { decodeSecretKey } from "../../control-plane/crypto/secret-key.js";
import { eventually } from "../support/eventually.js";
import { postgresAvailable } from "../support/database.js";
import { modelsStatus, palisade, STACK_SECRET_KEY, startStack, type Stack } from "../support/stack.js";

const SECRET = "sk-stand-in-upstream";
const LEGACY_SECRET = "sk-legacy-plain-credential";

/** A logger at the chattiest level whose every line is kept. */
function capturingLogger(lines: string[]) {
  const sink = new Writable({ write(chunk, _encoding, done) { lines.push(String(chunk)); done(); } });
  return pino({ level: "trace" }, sink);
}

describe.runIf(await postgresAvailable())("encryption at rest on PostgreSQL", { tags: ["postgres"] }, () => {
  const logs: string[] = [];
  let stack: Stack;
  let sql: pg.Client;
  let agent: Agent;
  let replica: ControlPlane | undefined;

  const raw = async (query: string) => (await sql.query<{ row: string }>(query)).rows.map((r) => r.row).join("\n");

  beforeAll(async () => {
    stack = await startStack({ agentName: "vault", controlPlane: { logger: capturingLogger(logs) } });
    sql = new pg.Client({ connectionString: stack.db.url });
    await sql.connect();
    const enrolment = (await palisade(stack.env, ["agent", "create", "vault-logged"])).trim();
    agent = await startAgent({ listen: "127.0.0.1:0", controlPlane: stack.controlPlane.url, token: enrolment, logger: capturingLogger(logs) });
    await eventually("the logged agent to serve standin", async () =>
      ((await modelsStatus(agent.url, stack.callerToken)) === 200 ? true : undefined));
  });
  afterAll(async () => {
    await agent?.close();
    await replica?.close();
    await sql?.end();
    await stack?.close();
  });

  it("stores only sealed credentials and private keys", async () => {
    const connections = await raw("select row_to_json(c)::text as row from connection c");
    expect(connections).toContain('"credential_value":null');
    expect(connections).toMatch(/"credential_sealed":"v1\.[0-9a-f]{16}\./);
    expect(connections).not.toContain(SECRET);
    const keys = await raw("select row_to_json(k)::text as row from signing_key k");
    expect(keys).toContain('"private_jwk":null');
    expect(keys).toMatch(/"private_jwk_sealed":"v1\./);
    expect(keys).not.toMatch(/"d":/);  // the private scalar of the EC key
  });

  it("still sends the credential upstream, and never returns it from the API", async () => {
    const before = stack.provider.requests.length;
    expect(await modelsStatus(agent.url, stack.callerToken)).toBe(200);
    expect(stack.provider.requests.slice(before).map((r) => r.headers.authorization)).toEqual([`Bearer ${SECRET}`]);
    for (const output of ["yaml", "json"]) {
      expect(await palisade(stack.env, ["get", "connection", "-o", output])).not.toContain(SECRET);
    }
  });

  it("refuses to start with another key, telling the operator which key to set", async () => {
    const other = randomBytes(32).toString("base64");
    await expect(startControlPlane({ listen: "127.0.0.1:0", databaseUrl: stack.db.url, secretKey: other }))
      .rejects.toThrow(/is not the key this database's secrets were sealed with .* set PALISADE_SECRET_KEY/);
  });

  it("seals plaintext left by an older version when a control plane starts", async () => {
    // What a database written before encryption at rest holds: a plaintext credential and key.
    await sql.query(`insert into connection (name, provider, upstream, credential_header, credential_value, segments)
      values ('legacy', 'openai', $1, 'authorization', $2, '[]')`, [stack.provider.url, `Bearer ${LEGACY_SECRET}`]);
    const box = createSecretBox(decodeSecretKey(STACK_SECRET_KEY, "test key"));
    const { rows } = await sql.query<{ kid: string; private_jwk_sealed: string }>("select kid, private_jwk_sealed from signing_key");
    for (const row of rows) {
      await sql.query("update signing_key set private_jwk = $1::jsonb, private_jwk_sealed = null where kid = $2", [box.open(row.private_jwk_sealed), row.kid]);
    }
    replica = await startControlPlane({ listen: "127.0.0.1:0", databaseUrl: stack.db.url, secretKey: STACK_SECRET_KEY, logger: capturingLogger(logs) });
    const connections = await raw("select row_to_json(c)::text as row from connection c where name = 'legacy'");
    expect(connections).not.toContain(LEGACY_SECRET);
    const sealed = (await sql.query<{ credential_sealed: string }>("select credential_sealed from connection where name = 'legacy'")).rows[0]!;
    expect(box.open(sealed.credential_sealed)).toBe(`Bearer ${LEGACY_SECRET}`);
    expect(await raw("select row_to_json(k)::text as row from signing_key k")).not.toMatch(/"d":/);

    // Through the new replica: tokens are still signed, and a change moves every agent to a
    // snapshot carrying the (now sealed) legacy credential.
    const env = { ...stack.env, PALISADE_SERVER: replica.url };
    const token = (await palisade(env, ["token", "create", "--subject", "legacy-user"])).trim();
    await palisade(env, ["apply", "-f", "-"], "kind: ServiceAccount\nname: nudge\n");
    await eventually("the agent to serve the legacy connection", async () =>
      ((await modelsStatus(agent.url, token, "legacy")) === 200 ? true : undefined));
    expect(stack.provider.requests.at(-1)?.headers.authorization).toBe(`Bearer ${LEGACY_SECRET}`);
  });

  it("never logs a credential", () => {
    expect(logs.length).toBeGreaterThan(10);
    const all = logs.join("");
    expect(all).toContain("secrets at rest sealed");
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain(LEGACY_SECRET);
  });
});

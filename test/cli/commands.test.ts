// The admin commands in-process against a real control plane (its admin API over real HTTP, its
// database): what they send, what they print (stdout holds only output), and how failures read.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { ExchangeSchema, Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { createExchangeSink } from "../../control-plane/storage/exchanges.js";
import { freePort } from "../faults/fault-bed.js";
import { STACK_ADMIN_TOKEN, useControlPlaneBed } from "../support/control-plane-bed.js";
import { runPalisade } from "./test-context.js";

const QUICKSTART = `kind: Connection
name: openai
provider: openai
upstream: https://api.openai.com
credential:
  header: authorization
  value: Bearer sk-test
---
kind: ServiceAccount
name: ci
groups: [deployers]
`;

// Three sessions as an agent would have recorded them, stored before the control plane starts.
const sessions = Array.from({ length: 3 }, (_, i) => create(ExchangeSchema, {
  id: `s-${i}`,
  connection: i === 2 ? "claude" : "openai",
  identity: { subject: i === 0 ? "bob" : "alice", groups: ["eng"], issuer: "urn:palisade:service-accounts" },
  method: "POST",
  path: "/v1/chat/completions",
  model: "gpt-4o-mini",
  status: 200,
  verdict: Verdict.ALLOWED,
  requestBody: '{"model":"gpt-4o-mini"}',
  responseBody: "Hello there",
  usage: { promptTokens: 5n, completionTokens: 7n, totalTokens: 12n },
  startedAt: timestampFromDate(new Date(Date.UTC(2026, 0, 1, 12, 0, i))),
  timeToFirstByte: durationFromMs(120),
  duration: durationFromMs(450),
}));

const { env: bedEnv, bed } = useControlPlaneBed({ seed: async (db) => { await createExchangeSink(db).commit("edge-recorder", sessions); } });
let env: Record<string, string>;
let dir: string;

/** How many admin calls of `rpc` (e.g. "ResourceService/Apply") the audit chain holds. */
async function audited(rpc: string): Promise<number> {
  const run = await runPalisade(["audit", "export", "--format", "jsonl"], env);
  expect(run.code, run.stderr).toBe(0);
  return run.stdout.split("\n").filter(Boolean).map((line) => (JSON.parse(line) as { entry?: { type: string; payload: { rpc?: string } } }).entry)
    .filter((entry) => entry?.type === "admin" && entry.payload.rpc === `palisade.admin.v1.${rpc}`).length;
}

/** A server address nothing listens on. */
async function closedServer(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "palisade-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  env = { ...bedEnv, PALISADE_DATA_DIR: join(dir, "none") };
  // Each test starts from no connection, service account or agent of its own making.
  for (const [kind, name] of [["connection", "openai"], ["serviceaccount", "ci"], ["agent", "edge"]]) {
    await runPalisade(["delete", kind!, name!], env);
  }
});

describe("apply", () => {
  it("applies every document in one call and prints each outcome", async () => {
    const before = await audited("ResourceService/Apply");
    const first = await runPalisade(["apply", "-f", "-"], env, QUICKSTART);
    expect(first).toEqual({ code: 0, stdout: "connection/openai created\nserviceaccount/ci created\n", stderr: "" });
    const file = join(dir, "quickstart.yaml");
    await writeFile(file, QUICKSTART.replace("[deployers]", "[deployers, admins]"));
    const second = await runPalisade(["apply", "-f", file], env);
    expect(second.stdout).toBe("connection/openai unchanged\nserviceaccount/ci updated\n");
    expect(await audited("ResourceService/Apply")).toBe(before + 2);
  });

  it("applies nothing when any document is wrong, and names the file, document and line", async () => {
    const file = join(dir, "broken.yaml");
    await writeFile(file, `${QUICKSTART}---\nkind: Conection\nname: x\n`);
    const run = await runPalisade(["apply", "-f", file], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(
      /^error: .*broken\.yaml: document 3 \(line 13\): unknown kind "Conection" \(known kinds: Connection, IdentityProvider, ServiceAccount, Policy[^)]*\); nothing was applied\n$/,
    );
    expect((await runPalisade(["get", "connections", "-o", "json"], env)).stdout).toBe("[]\n");
    // Refused before any call: the same with no server to call.
    const offline = await runPalisade(["apply", "-f", file], { ...env, PALISADE_SERVER: await closedServer() });
    expect(offline.stderr).toBe(run.stderr);
  });

  it("reports malformed YAML from stdin with exit code 1", async () => {
    const run = await runPalisade(["apply", "-f", "-"], env, "kind: Connection\nname: [\n");
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: stdin: document 1 \(line \d\): malformed YAML: .*; nothing was applied\n$/);
  });

  it("passes the server's refusal through with its code", async () => {
    const run = await runPalisade(["apply", "-f", "-"], env, "kind: ServiceAccount\nname: Bad_Name\n");
    expect(run).toMatchObject({ code: 1, stdout: "" });
    expect(run.stderr).toMatch(/^error: invalid_argument: .*"Bad_Name".*\n$/);
  });

  it("says so when a file is missing", async () => {
    const run = await runPalisade(["apply", "-f", join(dir, "nope.yaml")], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/cannot read .*nope\.yaml: ENOENT/);
  });
});

describe("get", () => {
  beforeEach(async () => {
    await runPalisade(["apply", "-f", "-"], env, QUICKSTART);
  });

  it("prints one JSON document (an array for a list) and never the credential", async () => {
    const run = await runPalisade(["get", "connections", "-o", "json"], env);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([
      expect.objectContaining({ kind: "Connection", name: "openai", provider: "openai", upstream: "https://api.openai.com", credentialSet: true }),
    ]);
    expect(run.stdout).not.toContain("sk-test");
    const one = await runPalisade(["get", "sa", "ci", "-o", "json"], env);
    expect(JSON.parse(one.stdout)).toEqual({ kind: "ServiceAccount", name: "ci", groups: ["deployers"], createTime: expect.any(String), updateTime: expect.any(String) });
  });

  it("prints YAML that applies again unchanged", async () => {
    const connections = await runPalisade(["get", "connection", "-o", "yaml"], env);
    const accounts = await runPalisade(["get", "serviceaccounts", "-o", "yaml"], env);
    const yaml = `${connections.stdout}---\n${accounts.stdout}`;
    expect(parseAllDocuments(yaml)).toHaveLength(2);
    const again = await runPalisade(["apply", "-f", "-"], env, yaml);
    expect(again.stdout).toBe("connection/openai unchanged\nserviceaccount/ci unchanged\n");
  });

  it("prints a table by default and lists agents", async () => {
    await runPalisade(["agent", "create", "edge", "--segment", "eu"], env);
    expect((await runPalisade(["get", "connections"], env)).stdout).toBe(
      "NAME    PROVIDER  UPSTREAM                SEGMENTS  ALLOWED GROUPS  CREDENTIAL  RETENTION\nopenai  openai    https://api.openai.com  *         any             set         forever\n",
    );
    const agents = await runPalisade(["get", "agents", "-o", "yaml"], env);
    expect(parseAllDocuments(agents.stdout).map((doc) => doc.toJSON())).toContainEqual(expect.objectContaining({ kind: "Agent", name: "edge", segment: "eu", connected: false }));
  });

  it("tells about an empty list on stderr and keeps stdout empty", async () => {
    const run = await runPalisade(["get", "idp"], env);
    expect(run).toEqual({ code: 0, stdout: "", stderr: "No IdentityProvider resources found.\n" });
    expect((await runPalisade(["get", "idp", "-o", "json"], env)).stdout).toBe("[]\n");
  });

  it("refuses unknown kinds and output formats", async () => {
    const kind = await runPalisade(["get", "widgets"], env);
    expect(kind).toMatchObject({ code: 1, stdout: "" });
    expect(kind.stderr).toMatch(/^error: unknown kind "widgets"/);
    const format = await runPalisade(["get", "connections", "-o", "xml"], env);
    expect(format.code).toBe(1);
    expect(format.stderr).toMatch(/argument 'xml' is invalid/);
  });

  it("reports NOT_FOUND", async () => {
    const run = await runPalisade(["get", "connection", "nope"], env);
    expect(run).toMatchObject({ code: 1, stdout: "" });
    expect(run.stderr).toMatch(/^error: not_found: .*nope.*not found\n$/i);
  });
});

describe("delete", () => {
  it("deletes a resource and an agent", async () => {
    await runPalisade(["apply", "-f", "-"], env, QUICKSTART);
    await runPalisade(["agent", "create", "edge"], env);
    expect(await runPalisade(["delete", "connection", "openai"], env)).toEqual({ code: 0, stdout: "connection/openai deleted\n", stderr: "" });
    expect((await runPalisade(["delete", "agent", "edge"], env)).stdout).toBe("agent/edge deleted\n");
    expect((await runPalisade(["get", "connections", "-o", "json"], env)).stdout).toBe("[]\n");
    expect(JSON.parse((await runPalisade(["get", "sa", "-o", "json"], env)).stdout)).toHaveLength(1);
    expect((await runPalisade(["get", "agent", "edge"], env)).stderr).toMatch(/^error: not_found/);
  });
});

describe("agent create", () => {
  it("prints the enrolment token alone on stdout and how to run the agent on stderr", async () => {
    const run = await runPalisade(["agent", "create", "edge", "--segment", "eu"], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^edge\.\S+\n$/);
    expect(run.stderr).toContain(`PALISADE_AGENT_TOKEN=${run.stdout.trim()} npx palisade agent --server ${bed().controlPlane.url}\n`);
    expect(parse((await runPalisade(["get", "agent", "edge", "-o", "yaml"], env)).stdout)).toMatchObject({ segment: "eu" });
    expect((await runPalisade(["agent", "create", "edge"], env)).stderr).toMatch(/^error: already_exists/);
    const rotated = await runPalisade(["agent", "create", "edge", "--rotate"], env);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).not.toBe(run.stdout);
  });
});

describe("token create", () => {
  it("prints only the token, which carries subject, groups, ttl and email", async () => {
    const run = await runPalisade(
      ["token", "create", "--subject", "alice@example.com", "--groups", "eng, ops", "--ttl", "1h30m", "--email", "alice@example.com"],
      env,
    );
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const claims = decodeJwt(run.stdout.trim());
    expect({ subject: claims.sub, groups: claims.groups, ttl: claims.exp! - claims.iat!, email: claims.email }).toEqual({
      subject: "alice@example.com",
      groups: ["eng", "ops"],
      ttl: 5400,
      email: "alice@example.com",
    });
  });

  it("refuses a malformed ttl before calling the server", async () => {
    const run = await runPalisade(["token", "create", "--subject", "a", "--ttl", "an hour"], { ...env, PALISADE_SERVER: await closedServer() });
    expect(run).toMatchObject({ code: 1, stdout: "" });
    expect(run.stderr).toMatch(/invalid duration "an hour"/);
  });
});

describe("audit", () => {
  it("lists sessions as one JSON array, filtered, following pages up to --limit", async () => {
    const run = await runPalisade(["audit", "list", "--subject", "alice", "-o", "json"], env);
    const list = JSON.parse(run.stdout) as { id: string; identity: { subject: string }; request: { body?: string } }[];
    expect(list.map((s) => s.id).sort()).toEqual(["s-1", "s-2"]);
    expect(list[0]!.request.body).toBeUndefined();
    const limited = await runPalisade(["audit", "list", "--limit", "1", "-o", "json"], env);
    expect(JSON.parse(limited.stdout)).toHaveLength(1);
    const byConnection = await runPalisade(["audit", "list", "--connection", "claude", "-o", "json"], env);
    expect(JSON.parse(byConnection.stdout).map((s: { id: string }) => s.id)).toEqual(["s-2"]);
  });

  it("prints a table with time, session, subject, connection, request, model, status, verdict, tokens", async () => {
    const lines = (await runPalisade(["audit", "list", "--subject", "bob"], env)).stdout.trimEnd().split("\n");
    expect(lines[0]!.split(/\s+/)).toEqual(["TIME", "SESSION", "SUBJECT", "CONNECTION", "REQUEST", "MODEL", "STATUS", "VERDICT", "TOKENS"]);
    expect(lines[1]!.split(/\s+/)).toEqual(["2026-01-01T12:00:00Z", "s-0", "bob", "openai", "POST", "/v1/chat/completions", "gpt-4o-mini", "200", "allowed", "12"]);
  });

  it("shows one session with identity, request, response, usage and timings", async () => {
    const json = JSON.parse((await runPalisade(["audit", "show", "s-1", "-o", "json"], env)).stdout);
    expect(json).toMatchObject({
      id: "s-1",
      connection: "openai",
      agent: "edge-recorder",
      identity: { subject: "alice", groups: ["eng"], issuer: "urn:palisade:service-accounts" },
      request: { method: "POST", path: "/v1/chat/completions", model: "gpt-4o-mini", stream: false, body: '{"model":"gpt-4o-mini"}', truncated: false },
      response: { status: 200, verdict: "allowed", body: "Hello there", truncated: false },
      usage: { promptTokens: 5, completionTokens: 7, totalTokens: 12 },
      timings: { startedAt: "2026-01-01T12:00:01.000Z", timeToFirstByteMs: 120, durationMs: 450 },
    });
    const text = (await runPalisade(["audit", "show", "s-1"], env)).stdout;
    expect(text).toContain("Identity    alice  groups eng  issuer urn:palisade:service-accounts");
    expect(text).toContain("Usage       5 prompt + 7 completion = 12 tokens");
    expect(text).toContain("Response body:\nHello there\n");
  });
});

describe("settings and failures", () => {
  it("reads the admin token from <data-dir>/admin-token, and the flag beats the environment", async () => {
    const data = join(dir, "data");
    await rm(data, { recursive: true, force: true });
    await mkdir(data);
    await writeFile(join(data, "admin-token"), `${STACK_ADMIN_TOKEN}\n`);
    const fromFile = await runPalisade(["get", "sa", "--data-dir", data], { PALISADE_SERVER: bed().controlPlane.url });
    expect(fromFile.code, fromFile.stderr).toBe(0);
    const flagWins = await runPalisade(["get", "sa", "--token", "pat_wrong"], env);
    expect(flagWins).toMatchObject({ code: 1, stdout: "" });
    expect(flagWins.stderr).toBe("error: not authorised: invalid admin token (set --token or PALISADE_TOKEN)\n");
  });

  it("says which server it could not reach", async () => {
    const closed = await closedServer();
    const run = await runPalisade(["get", "connections"], { ...env, PALISADE_SERVER: closed });
    expect(run).toEqual({ code: 1, stdout: "", stderr: `error: cannot reach the control plane at ${closed} (ECONNREFUSED)\n` });
    const flag = await runPalisade(["audit", "list", "--server", closed.replace("http://", "")], env);
    expect(flag.stderr).toBe(`error: cannot reach the control plane at ${closed} (ECONNREFUSED)\n`);
  });

  it("exits 1 on usage errors and 0 on --help, printing help to stdout", async () => {
    expect((await runPalisade(["token", "create"], env)).stderr).toMatch(/required option '--subject <subject>' not specified/);
    expect((await runPalisade(["frobnicate"], env)).code).toBe(1);
    const help = await runPalisade(["--help"], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: palisade");
  });
});

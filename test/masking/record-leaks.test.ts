// Nothing a mask policy masks is kept in clear by what records an exchange: whatever became of the
// request (masked and forwarded, denied by a keyword policy above the mask policy, refused before
// any policy — malformed JSON, a content coding it cannot read, a body too large, a bad token, an
// unknown connection —, limited, held for review and not decided, failed upstream), and wherever
// the value was (body, query, path, headers, the model field, the connection name). Read back from
// everything that holds a record: the whole PostgreSQL database (exchange rows, exchange_search,
// the hash-chained log, reviews), an AuditSink file, a review webhook, the CLI (`audit list`,
// `audit search`, `audit show`, `review list`), both processes' metrics and the agent's logs at
// trace level. docs/audit.md#what-the-audit-log-holds.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import OpenAI from "openai";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPalisade } from "../cli/test-context.js";
import { eventually } from "../support/eventually.js";
import { palisade, startStack, type Stack } from "../support/stack.js";
import { recorded } from "./masking-stack.js";

const EMAIL = "rosalind.quill@example.org";
const PHONE = "415-555-0133";
const CARD = "4111 1111 1111 1111";
const SECRETS = `${EMAIL} ${PHONE} ${CARD}`;
/** Each value in any spelling a record could keep it in (escaped, percent-encoded, digits regrouped, split into search words). */
const LEAKS: [string, RegExp][] = [
  ["email", /rosalind|quill/i],
  ["phone", /415\D{0,6}555\D{0,6}0133/],
  ["card", /4111\D{0,6}1111\D{0,6}1111\D{0,6}1111/],
];

function leaks(where: string, text: string): string[] {
  return LEAKS.flatMap(([name, pattern]) => {
    const found = pattern.exec(text);
    return found ? [`${name} in ${where}: …${text.slice(Math.max(0, found.index - 80), found.index + 80)}…`] : [];
  });
}

let stack: Stack;
let dir: string;
let hooks: Server;
const hookBodies: string[] = [];
const logLines: string[] = [];
const sessions: string[] = [];
const named: Record<string, string> = {};

function policies(hook: string, sinkPath: string): string {
  return `kind: Policy
name: mask-pii
priority: 50
connections: ["*"]
action: mask
detectors: [email, phone, payment-card]
---
kind: Policy
name: deny-bird
priority: 100
connections: ["*"]
match: { keywords: [nightingale] }
action: deny
reason: birds are not discussed
---
kind: Policy
name: hold-me
priority: 95
connections: ["*"]
when: request.model == "review-me"
action: review
approvers: [security]
wait: 1s
webhook: ${hook}
---
kind: Policy
name: one-a-minute
priority: 90
connections: ["*"]
when: request.model == "limited"
limits: { requestsPerMinute: 1 }
---
kind: AuditSink
name: leak-file
file: { path: ${sinkPath} }
`;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "palisade-leaks-"));
  hooks = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => { body += chunk; });
    req.on("end", () => { hookBodies.push(body); res.end(); });
  });
  await new Promise<void>((resolve) => hooks.listen(0, "127.0.0.1", resolve));
  const logger = pino({ level: "trace" }, { write: (line: string) => void logLines.push(line) });
  stack = await startStack({ agentName: "leaks", agent: { logger } });
  await palisade(stack.env, ["apply", "-f", "-"], policies(`http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hook`, join(dir, "audit.jsonl")));
  await eventually("the agent to deny by keyword", async () => ((await send({ content: "nightingale" })).status === 403 ? true : undefined));
}, 90_000);

afterAll(async () => {
  await stack?.close();
  hooks?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Send {
  path?: string;
  content?: string;
  model?: string;
  body?: string;
  headers?: Record<string, string>;
  token?: string;
}

/** One request through the agent; its session id is kept for the checks. */
async function send(input: Send): Promise<Response> {
  const body = input.body ?? JSON.stringify({ model: input.model ?? "gpt-4o-mini", messages: [{ role: "user", content: input.content ?? `reach me at ${SECRETS}` }] });
  const response = await fetch(`${stack.agent.url}${input.path ?? "/standin/v1/chat/completions"}`, {
    method: "POST",
    headers: { authorization: `Bearer ${input.token ?? stack.callerToken}`, "content-type": "application/json", ...input.headers },
    body,
  });
  await response.arrayBuffer();
  const session = response.headers.get("x-palisade-session");
  if (session) sessions.push(session);
  return response;
}

/** A request whose declared body is over the agent's limit (16 MiB): refused before a byte of it is read. */
function tooLarge(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${stack.agent.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.callerToken}`, "content-type": "application/json", "content-length": String(17 * 1024 * 1024) },
    }, (res) => {
      sessions.push(String(res.headers["x-palisade-session"]));
      res.resume();
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.on("error", reject);
    req.flushHeaders();
  });
}

const query = `?note=${encodeURIComponent(SECRETS)}`;

describe("records of every outcome keep no masked value", () => {
  it("answers each outcome as designed", async () => {
    const statuses: Record<string, number> = {};
    statuses.masked = (await send({ path: `/standin/v1/chat/completions${query}`, headers: { "x-note": SECRETS } })).status;
    named.masked = sessions.at(-1)!;
    statuses.maskedModel = (await send({ model: `gpt-${EMAIL}` })).status;
    named.maskedModel = sessions.at(-1)!;
    // Values as keys, with values under them: findings name their place, never by the key's text.
    statuses.maskedKeys = (await send({ body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], metadata: { [EMAIL]: { [CARD]: PHONE } } }) })).status;
    named.maskedKeys = sessions.at(-1)!;
    statuses.denied = (await send({ content: `nightingale, write to ${SECRETS}`, path: `/standin/v1/chat/completions${query}` })).status;
    named.denied = sessions.at(-1)!;
    statuses.invalidJson = (await send({ body: `{"model":"m","messages":[{"role":"user","content":"${SECRETS}"}],}`, path: `/standin/v1/chat/completions${query}` })).status;
    named.invalidJson = sessions.at(-1)!;
    statuses.coding = (await send({ headers: { "content-encoding": EMAIL } })).status;
    named.coding = sessions.at(-1)!;
    statuses.mediaType = (await send({ headers: { "content-type": "text/plain" }, body: SECRETS })).status;
    named.mediaType = sessions.at(-1)!;
    statuses.badToken = (await send({ token: "not-a-jwt", path: `/standin/v1/chat/completions${query}` })).status;
    named.badToken = sessions.at(-1)!;
    statuses.unknownConnection = (await send({ path: `/${encodeURIComponent(EMAIL)}/v1/chat/completions${query}` })).status;
    named.unknownConnection = sessions.at(-1)!;
    statuses.tooLarge = await tooLarge(`/standin/v1/chat/completions${query}`);
    named.tooLarge = sessions.at(-1)!;
    await send({ model: "limited" });
    statuses.limited = (await send({ model: "limited", path: `/standin/v1/chat/completions${query}` })).status;
    named.limited = sessions.at(-1)!;
    statuses.review = (await send({ model: "review-me", path: `/standin/v1/chat/completions${query}` })).status;
    named.review = sessions.at(-1)!;
    statuses.upstreamReset = (await send({ headers: { "x-stand-in-fault": "reset" } })).status;
    named.upstreamReset = sessions.at(-1)!;
    statuses.upstream500 = (await send({ headers: { "x-stand-in-status": "500" } })).status;
    named.upstream500 = sessions.at(-1)!;
    expect(statuses).toEqual({
      masked: 200, maskedModel: 200, maskedKeys: 200, denied: 403, invalidJson: 400, coding: 415, mediaType: 415, badToken: 401,
      unknownConnection: 404, tooLarge: 413, limited: 429, review: 403, upstreamReset: 502, upstream500: 500,
    });
    // Streamed, cut by the provider mid-answer (the SDK raises; the record is failed).
    const openai = new OpenAI({ baseURL: `${stack.baseURL}`, apiKey: stack.callerToken, maxRetries: 0, defaultHeaders: { "x-stand-in-fault": "reset-mid-stream" } });
    const stream = await openai.chat.completions.create({ model: "gpt-4o-mini", stream: true, messages: [{ role: "user", content: `reach me at ${SECRETS}` }] }).withResponse();
    sessions.push(stream.response.headers.get("x-palisade-session")!);
    await expect(async () => { for await (const _ of stream.data); }).rejects.toThrow();
    // Nothing of them reached the provider either.
    expect(stack.provider.requests.flatMap((r) => leaks("provider", `${r.path} ${JSON.stringify(r.headers)} ${r.body}`))).toEqual([]);
  }, 60_000);

  it("a denied request's record is masked by the mask policy below the deny", async () => {
    const denied = await recorded(stack, named.denied!);
    expect(denied).toMatchObject({ recorded: "masked", response: { verdict: "denied" }, masking: { policies: ["mask-pii"] } });
    expect(denied.request.body).toContain("nightingale, write to [EMAIL]");
    const invalid = await recorded(stack, named.invalidJson!);
    expect(invalid.response.reason).toMatch(/^request not inspectable \(invalid_json\): .*; body not recorded: \d+ bytes, sha256 [0-9a-f]{64}$/);
  }, 30_000);

  it("no store, feed, listing, metric or log holds a value", async () => {
    for (const session of sessions) await recorded(stack, session);
    const found: string[] = [];
    // The database as a whole: every table, the search index's words included.
    const dump = await promisify(execFile)("pg_dump", ["--data-only", `--dbname=${stack.db.url}`], { maxBuffer: 256 * 1024 * 1024 });
    expect(dump.stdout).toContain(named.denied);
    found.push(...leaks("database", dump.stdout));
    const sink = await eventually("the sink to write every session", async () => {
      const text = await readFile(join(dir, "audit.jsonl"), "utf8").catch(() => "");
      return sessions.every((session) => text.includes(session)) ? text : undefined;
    });
    found.push(...leaks("sink file", sink));
    await eventually("the review webhook", async () => (hookBodies.length > 0 ? true : undefined));
    found.push(...leaks("review webhook", hookBodies.join("\n")));
    const cli = async (args: string[]) => {
      const run = await runPalisade(args, stack.env);
      expect(run.code, run.stderr).toBe(0);
      found.push(...leaks(`palisade ${args.join(" ")}`, run.stdout));
    };
    await cli(["audit", "list", "-o", "json"]);
    await cli(["audit", "search", "--since", "1h", "-o", "yaml"]);
    await cli(["review", "list", "-o", "json"]);
    for (const session of sessions) await cli(["audit", "show", session]);
    // Searching for a value finds nothing: the index holds only what the records hold (no oracle).
    for (const word of ["rosalind", "quill", `"${EMAIL}"`, "4111", "0133"]) {
      const run = await runPalisade(["audit", "search", "--text", word, "-o", "json"], stack.env);
      expect(run.code, run.stderr).toBe(0);
      const hits = JSON.parse(run.stdout) as { id: string }[];
      if (hits.length > 0) found.push(`audit search --text ${word} found ${hits.length} sessions`);
    }
    found.push(...leaks("agent metrics", await (await fetch(`${stack.agent.url}/-/metrics`)).text()));
    found.push(...leaks("control-plane metrics", await (await fetch(`${stack.controlPlane.url}/metrics`)).text()));
    expect(logLines.length).toBeGreaterThan(sessions.length); // one debug line per exchange at least
    found.push(...leaks("agent log", logLines.join("")));
    expect(found).toEqual([]);
  }, 90_000);
});

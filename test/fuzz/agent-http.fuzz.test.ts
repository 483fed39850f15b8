// Bad input against a real agent (full stack, stand-in provider): random methods, paths, headers,
// bodies and tokens sent as raw bytes. Whatever arrives, the agent answers a well-formed HTTP
// response with `x-palisade-session`, refuses in the provider's JSON error format with a reason,
// never shows the upstream credential or the caller's token, forwards nothing it refused, never lets
// a path climb above the connection's upstream base path, and keeps serving.
// More runs: FUZZ_RUNS=2000 npx vitest run test/fuzz/ (FUZZ_SEED picks another seed).
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";
import { modelsStatus, palisade, startStack, type Stack } from "../support/stack.js";
import { fuzzParams, parseResponse, rawExchange, type RawResponse } from "./raw-http.js";

const upstreamSecret = "sk-stand-in-upstream";
// Codes the agent itself answers with (the stand-in's own 404 says "not_found").
const agentCodes = new Set(["invalid_api_key", "unknown_connection", "request_too_large", "bad_request", "service_unavailable", "policy_denied", "rate_limit_exceeded", "upstream_unreachable", "upstream_timeout"]);

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ agentName: "fuzz-http" });
  // A connection with a base path, to check that no path climbs above it.
  await palisade(stack.env, ["apply", "-f", "-"], `kind: Connection
name: based
provider: openai
upstream: ${stack.provider.url}/base
credential: { header: authorization, value: Bearer ${upstreamSecret}-based }
`);
  await eventually("connection based", async () => ((await modelsStatus(stack.agent.url, stack.callerToken, "based")) === 404 ? true : undefined));
}, 60_000);

afterAll(() => stack?.close());

interface Sent {
  bytes: Buffer;
  token?: string;
  /** The framing asks for more than is sent: the client half-closes and an answer is optional. */
  mayGoUnanswered?: boolean;
  isHead?: boolean;
  /** How long to wait for the answer (large bodies on a loaded machine take longer). */
  timeoutMs?: number;
}

/** Sends one request and checks every promise of the agent about its answer; returns it. */
async function check(sent: Sent): Promise<RawResponse | undefined> {
  const before = stack.provider.requests.length;
  const raw = await rawExchange(stack.agent.url, sent.bytes, { endAfter: sent.mayGoUnanswered, timeoutMs: sent.timeoutMs ?? 5_000 });
  const text = raw.toString("latin1");
  expect(text).not.toContain(upstreamSecret);
  if (sent.token && sent.token.length >= 12) expect(text).not.toContain(sent.token);
  if (raw.length === 0 && sent.mayGoUnanswered) return undefined;
  const response = parseResponse(raw);
  expect(response, `not an HTTP response: ${JSON.stringify(text.slice(0, 200))}`).toBeDefined();
  expect(response!.headers["x-palisade-session"]).toMatch(/^[0-9a-f-]{36}$/);
  const forwarded = stack.provider.requests.slice(before);
  if (response!.status >= 400 && !sent.isHead) {
    const body = JSON.parse(response!.body.toString("utf8")) as { error?: { message?: unknown; code?: unknown } };
    expect(typeof body.error?.message).toBe("string");
    if (agentCodes.has(String(body.error?.code))) expect(forwarded).toEqual([]);
  }
  for (const received of forwarded) {
    expect(received.headers.authorization).toMatch(/^Bearer sk-stand-in-upstream(-based)?$/);
    if (received.headers.authorization?.endsWith("-based")) {
      const path = new URL(received.path, "http://upstream.invalid").pathname;
      expect(path === "/base" || path.startsWith("/base/"), `escaped the base path: ${received.path}`).toBe(true);
    }
  }
  return response;
}

async function stillServing(): Promise<void> {
  expect(await modelsStatus(stack.agent.url, stack.callerToken)).toBe(200);
}

function request(method: string, target: string, headerLines: string[], body: Buffer | string = ""): Buffer {
  const head = `${method} ${target} HTTP/1.1\r\nhost: agent\r\nconnection: close\r\n${headerLines.map((line) => `${line}\r\n`).join("")}\r\n`;
  return Buffer.concat([Buffer.from(head, "latin1"), Buffer.isBuffer(body) ? body : Buffer.from(body, "utf8")]);
}

const segment = fc.oneof(
  fc.constantFrom("standin", "based", "v1", "models", "chat", "completions", "..", ".", "%2e%2e", "%2E%2e", ".%2e", "%2f", "..%2f..%2f", "%5c..", "\\..", "", "%00", "%ff", "%", "%zz", "Ünïcödé", "%F0%9F%92%A9", "x".repeat(5000)),
  fc.string({ unit: "binary", maxLength: 12 }).map(encodeURIComponent),
  fc.string({ maxLength: 8 }),
);
const path = fc.tuple(fc.constantFrom("standin", "based", "Standin", "stand in", "based/", "nope", "", "..", "%2e%2e", "st%61ndin"), fc.array(segment, { maxLength: 6 }), fc.constantFrom("", "?x=1", "?a=..%2f", "#frag"))
  .map(([connection, rest, query]) => `/${[connection, ...rest].join("/")}${query}`);
const method = fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "FOO", "get");

describe("agent HTTP surface under bad input", () => {
  it("paths and methods: answered, never above the base path", async () => {
    await fc.assert(
      fc.asyncProperty(method, path, fc.boolean(), async (verb, target, authed) => {
        const token = authed ? stack.callerToken : undefined;
        await check({ bytes: request(verb, target, token ? [`authorization: Bearer ${token}`, "content-length: 0"] : ["content-length: 0"]), token, isHead: verb === "HEAD" });
      }),
      fuzzParams(150),
    );
    await stillServing();
  });

  it("headers: CRLF tricks, duplicates, oversized, conflicting framing", async () => {
    const body = '{"model":"m","messages":[{"role":"user","content":"hi"}]}';
    const headerCase = fc.constantFrom<[string[], string, boolean?]>(
      [["x-a: 1\r\nx-injected: 2"], body],
      [["x-a: 1\nx-b: bare-lf"], body],
      [["x-a: 1\rx-b: bare-cr"], body],
      [["x-a:\u0000nul"], body],
      [["bad header: 1"], body],
      [[" folded: continuation"], body],
      [["x-fold: a", " continued"], body],
      [[`content-length: ${body.length}`, `content-length: ${body.length + 1}`], body],
      [[`content-length: ${body.length}`, `content-length: ${body.length}`], body],
      [[`content-length: ${body.length}`, "transfer-encoding: chunked"], body],
      [["transfer-encoding: chunked"], `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`],
      [["transfer-encoding: gzip, chunked"], `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`],
      [["transfer-encoding: chunked, identity"], body],
      [["transfer-encoding: chunked"], "zz\r\nnot hex\r\n0\r\n\r\n"],
      [["content-length: -1"], body],
      [["content-length: abc"], body],
      [["content-length: 99999999999999999999"], body, true],
      [[`content-length: ${body.length + 50}`], body, true],
      [[`x-big: ${"a".repeat(20_000)}`], body],
      [Array.from({ length: 3000 }, (_, i) => `x-many-${i}: ${i}`), body],
      [["host: second.example"], body],
      [["authorization: Bearer second-token"], body],
      [["x-api-key: other", "x-palisade-session: forged"], body],
      [["expect: 100-continue"], body],
      [["upgrade: h2c", "connection: upgrade"], body],
    );
    await fc.assert(
      fc.asyncProperty(headerCase, fc.constantFrom("/standin/v1/chat/completions", "/based/v1/chat/completions"), async ([lines, payload, mayHang], target) => {
        const framed = lines.some((line) => /^(content-length|transfer-encoding)/i.test(line)) ? lines : [...lines, `content-length: ${Buffer.byteLength(payload)}`];
        const token = stack.callerToken;
        await check({ bytes: request("POST", target, [`authorization: Bearer ${token}`, ...framed], payload), token, mayGoUnanswered: mayHang });
      }),
      { ...fuzzParams(60), examples: [] },
    );
    await stillServing();
  });

  it("bodies: malformed JSON, deep nesting, invalid UTF-8", async () => {
    const payload = fc.oneof(
      fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)),
      fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
      fc.json().map((s) => Buffer.from(s)),
      fc.constantFrom("[".repeat(100_000), "{\"a\":".repeat(50_000), '{"messages":'.repeat(20_000), '{"model":"\\ud800","messages":[{"role":"user","content":"\\udfff"}]}', '{"messages":[{"role":"user","content":"\u0000"}]}').map((s) => Buffer.from(s)),
      fc.constantFrom(Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc, 0xff, 0xfe])),
    );
    await fc.assert(
      fc.asyncProperty(payload, fc.constantFrom("application/json", "text/plain", "application/json; charset=latin1", ""), async (bytes, type) => {
        const token = stack.callerToken;
        const headers = [`authorization: Bearer ${token}`, `content-length: ${bytes.length}`, ...(type ? [`content-type: ${type}`] : [])];
        await check({ bytes: request("POST", "/standin/v1/chat/completions", headers, bytes), token });
      }),
      fuzzParams(80),
    );
    await stillServing();
  });

  it("bodies at and over the size limit", async () => {
    const limit = 16 * 1024 * 1024;
    const token = stack.callerToken;
    const auth = `authorization: Bearer ${token}`;
    // Exactly the limit, and valid JSON (a body the agent cannot parse is refused whatever its size).
    const head = '{"model":"m","messages":[],"pad":"';
    const atLimit = Buffer.from(head + "a".repeat(limit - head.length - 2) + '"}');
    const under = await check({ bytes: request("POST", "/standin/v1/chat/completions", [auth, `content-length: ${limit}`], atLimit), token, timeoutMs: 30_000 });
    expect(under!.status).toBe(200);
    const declared = await check({ bytes: request("POST", "/standin/v1/chat/completions", [auth, `content-length: ${limit + 1}`]), token });
    expect(declared!.status).toBe(413);
    const chunk = Buffer.alloc(1024 * 1024, "a");
    const chunked = Buffer.concat([...Array.from({ length: 17 }, () => Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")])), Buffer.from("0\r\n\r\n")]);
    const streamed = await check({ bytes: request("POST", "/standin/v1/chat/completions", [auth, "transfer-encoding: chunked"], chunked), token, timeoutMs: 30_000 });
    expect(streamed!.status).toBe(413);
    await stillServing();
  });

  it("tokens: random, truncated, oversized JWTs are refused with 401", async () => {
    const valid = stack.callerToken;
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const token = fc.oneof(
      fc.string({ minLength: 1, maxLength: 80 }).filter((s) => /^[\x21-\x7e]+$/.test(s)),
      fc.integer({ min: 1, max: valid.length - 1 }).map((n) => valid.slice(0, n)),
      fc.constant(`${b64({ alg: "ES256", kid: "k".repeat(12_000) })}.${valid.split(".")[1]}.${valid.split(".")[2]}`),
      fc.constant(`${b64({ alg: "none" })}.${valid.split(".")[1]}.`),
      fc.constant(`${b64({ alg: "HS256", kid: "x" })}.${valid.split(".")[1]}.${valid.split(".")[2]}`),
      fc.constant(`${valid.split(".")[0]}.${b64({ sub: "admin", iss: "urn:palisade:service-accounts", aud: "palisade", exp: 9e9 })}.${valid.split(".")[2]}`),
    );
    await fc.assert(
      fc.asyncProperty(token, fc.boolean(), async (candidate, asApiKey) => {
        const header = asApiKey ? `x-api-key: ${candidate}` : `authorization: Bearer ${candidate}`;
        const response = await check({ bytes: request("GET", "/standin/v1/models", [header]), token: candidate });
        expect([401, 431]).toContain(response!.status);
      }),
      fuzzParams(80),
    );
    await stillServing();
  });
});

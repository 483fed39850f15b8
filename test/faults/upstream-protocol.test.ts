// A provider that breaks HTTP itself, behind a real agent: a redirect to another host, a TLS
// handshake that never completes, a certificate nobody trusts, a wrong Content-Length, a chunked
// body cut short, headers and then nothing, a 101 nobody asked for, bytes that are no HTTP, a body
// that says gzip and is not. Each caller gets a clear error in the provider's format (or, once a
// whole body is under way, the connection cut), each exchange is recorded once as what it was, and
// what HTTP allows (an interim 103, a 204, an HTTP/1.0 body ended by closing) passes through.
// And a provider that sends back the credential the agent injected (quoted in an error, escaped, in
// a header, in a stream cut inside it): the caller never gets it, nor does the record.
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";
import { modelsStatus, palisade, startStack, type Stack } from "../support/stack.js";
import { createTestPki, type TestPki } from "../tls/certificates.js";
import { chatOnce, clearError, settledSessions, type Outcome } from "./fault-bed.js";
import { startRawProvider, type RawProvider } from "./raw-provider.js";

let stack: Stack;
let raw: RawProvider;
let pki: TestPki;
let untrusted: Server;
// A key with the characters escaping rewrites ("/" as "\/" in PHP's JSON, "+" and "/" in a URL).
const realisticKey = "sk-proj-Ab12Cd34Ef56Gh78/Ij90Kl12Mn34+Op56Qr78St90";

beforeAll(async () => {
  // The agent gives up on a provider after 1 s without response headers (connecting included).
  stack = await startStack({ agentName: "protocol-faults", agent: { upstreamTimeoutMs: 1000 } });
  raw = await startRawProvider();
  pki = await createTestPki();
  untrusted = createServer({ cert: pki.server.cert, key: pki.server.key }, (_req, res) => res.end("{}"));
  await new Promise<void>((resolve) => untrusted.listen(0, "127.0.0.1", resolve));
  const connection = (name: string, upstream: string, key = "sk-raw-secret") => `kind: Connection
name: ${name}
provider: openai
upstream: ${upstream}
credential: { header: authorization, value: Bearer ${key} }
---
`;
  await palisade(stack.env, ["apply", "-f", "-"], `${connection("raw", raw.url)}${connection("raw-echo", raw.url, realisticKey)}${connection("raw-masked", raw.url)}${connection("tls-hangs", raw.url.replace("http:", "https:"))}${connection("tls-untrusted", `https://127.0.0.1:${(untrusted.address() as AddressInfo).port}`)}kind: Policy
name: mask-raw-replies
priority: 10
connections: [raw-masked]
action: mask
detectors: [email]
direction: response
`);
  // One snapshot holds them all.
  await eventually("the agent to serve connection raw-masked", async () => ((await modelsStatus(stack.agent.url, stack.callerToken, "raw-masked")) === 200 ? true : undefined));
}, 120_000);

afterAll(async () => {
  await stack?.close();
  await raw?.close();
  await new Promise((resolve) => untrusted?.close(resolve));
  await pki?.remove();
});

interface Recorded {
  response: { status: number; verdict: string; reason?: string; error?: string; body?: string };
}

const call = (connection: string, fault: string): Promise<Outcome> => chatOnce(`${stack.agent.url}/${connection}/v1`, stack.callerToken, `fault:${fault}`);

async function recordOf(outcome: Outcome): Promise<Recorded> {
  await settledSessions(stack.env, [outcome.session!], 30_000);
  return JSON.parse(await palisade(stack.env, ["audit", "show", outcome.session!, "-o", "json"])) as Recorded;
}

/** The agent's own 502/504: provider format, code, and a FAILED record naming the cause. */
async function refused(outcome: Outcome, status: number, code: string, error: RegExp): Promise<void> {
  expect(outcome.status).toBe(status);
  expect(clearError(outcome)).toBe(true);
  expect(outcome.body).toMatchObject({ error: { code } });
  expect((await recordOf(outcome)).response).toMatchObject({ status, verdict: "failed", error: expect.stringMatching(error) });
}

describe("a provider whose answer is no UTF-8 mid-way", () => {
  it("passes it as sent without a response mask rule, refuses it with one, and records each once without holding up later records", async () => {
    const outcomes: Outcome[] = [];
    for (const fault of ["not-utf-stream", "not-utf-body"]) {
      const outcome = await call("raw", fault);
      outcomes.push(outcome);
      expect(outcome.status).toBe(200);
      expect((await recordOf(outcome)).response).toMatchObject({ status: 200, verdict: "allowed" });
    }
    // With a mask rule the reply must be read as text: what cannot be is refused, never passed unread.
    // The stream: what was read before it, then the provider's stream error event, nothing after.
    const response = await fetch(`${stack.agent.url}/raw-masked/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.callerToken}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "m", stream: true, messages: [{ role: "user", content: "fault:not-utf-stream" }] }),
    });
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(text).toContain('"code":"uninspectable_response"');
    expect(text).not.toMatch(/bad|and more|\[DONE\]/);
    const stream = { status: 200, session: response.headers.get("x-palisade-session"), body: undefined, startedAt: 0 } satisfies Outcome;
    outcomes.push(stream);
    expect((await recordOf(stream)).response).toMatchObject({ status: 200, verdict: "failed", error: "uninspectable reply: the stream is not valid UTF-8" });
    const body = await call("raw-masked", "not-utf-body");
    outcomes.push(body);
    await refused(body, 502, "uninspectable_response", /^uninspectable reply: the body is not valid UTF-8$/);
    // A record holding those bytes must not stop the batch it is in (PostgreSQL refuses invalid UTF-8
    // and NUL in text): a request after them is stored too.
    const after = await call("raw", "ok");
    outcomes.push(after);
    const counts = await settledSessions(stack.env, outcomes.map((outcome) => outcome.session!), 30_000);
    expect(outcomes.filter((outcome) => counts.get(outcome.session!) !== 1)).toEqual([]);
  });
});

describe("a provider that breaks HTTP", () => {
  it("answers a redirect with 502 upstream_redirect: neither followed nor passed on to the caller's client", async () => {
    const before = raw.received.length;
    for (const connection of ["raw", "raw-masked"]) {
      const outcome = await call(connection, "redirect");
      // Passed on, the caller's fetch would follow it and send its unmasked body to that host (ENOTFOUND here).
      await refused(outcome, 502, "upstream_redirect", /^upstream redirected \(307\) to http:\/\/attacker\.invalid\/v1\/chat\/completions$/);
      expect((outcome.body as { error: { message: string } }).error.message).toMatch(/answered with a redirect \(307\)/);
    }
    expect(raw.received.length - before).toBe(2); // asked once each, the redirect not followed
    const metrics = await (await fetch(`${stack.agent.url}/-/metrics`)).text();
    expect(metrics).toContain('palisade_agent_upstream_failures_total{connection="raw",failure="redirected"} 1');
  });

  it("gives up a TLS handshake that never completes within --upstream-timeout (504), and refuses an untrusted certificate (502)", async () => {
    await refused(await call("tls-hangs", "ok"), 504, "upstream_timeout", /UND_ERR_CONNECT_TIMEOUT.*timeout: 1000ms/);
    await refused(await call("tls-untrusted", "ok"), 502, "upstream_unreachable", /certificate/i);
  });

  it("refuses an answer that is no HTTP or ends before its body (502), cuts a whole body under way, and records each once", async () => {
    await refused(await call("raw", "headers-only"), 502, "upstream_unreachable", /^upstream broke off: .*other side closed/);
    await refused(await call("raw", "garbage"), 502, "upstream_unreachable", /does not match the HTTP\/1\.1 protocol/);
    await refused(await call("raw", "switching-protocols"), 502, "upstream_unreachable", /bad upgrade/);
    await refused(await call("raw", "huge-length"), 502, "upstream_unreachable", /CONTENT_LENGTH_MISMATCH/);
    await refused(await call("raw", "two-lengths"), 502, "upstream_unreachable", /CONTENT_LENGTH_MISMATCH/);
    // A whole body already flowing has sent its status: the only honest signal left is the cut.
    for (const fault of ["long-length", "truncated-chunked"]) {
      const outcome = await call("raw", fault);
      expect(outcome.status).toBe(0);
      expect(outcome.error).toMatch(/body cut/);
      expect((await recordOf(outcome)).response).toMatchObject({ status: 200, verdict: "failed", error: expect.stringMatching(/^upstream broke off: /) });
    }
    // Read whole to be masked, nothing was sent yet: a 502.
    await refused(await call("raw-masked", "long-length"), 502, "upstream_unreachable", /^upstream broke off: /);
  });

  it("passes what HTTP allows, and a corrupt gzip body as sent unless it must be read (then 502 uninspectable_response)", async () => {
    for (const fault of ["early-hints", "close-delimited"]) {
      const outcome = await call("raw", fault);
      expect(outcome.status).toBe(200);
      expect(outcome.body).toMatchObject({ choices: [{ message: { content: "raw says hi" } }] });
      expect((await recordOf(outcome)).response).toMatchObject({ status: 200, verdict: "allowed" });
    }
    const empty = await call("raw", "no-content");
    expect(empty.status).toBe(204);
    expect((await recordOf(empty)).response).toMatchObject({ status: 204, verdict: "allowed" });
    // Passed through as sent: the caller's client fails to decode it, as it would without the agent.
    const corrupt = await call("raw", "bad-gzip");
    expect(corrupt.error).toMatch(/body cut/);
    expect((await recordOf(corrupt)).response).toMatchObject({ status: 200, verdict: "allowed" });
    await refused(await call("raw-masked", "bad-gzip"), 502, "uninspectable_response", /gzip data is corrupt/);
  });
});

describe("a provider that sends the credential back", () => {
  /** Neither the key nor a run of 12 of its letters and digits is in `text`. */
  const holdsNoKey = (text: string) => !["sk-raw-secret", "Ab12Cd34Ef56Gh78", "Ij90Kl12Mn34", "Op56Qr78St90"].some((part) => text.includes(part));

  it("answers 502 credential_echoed instead of a reply quoting it, escaped or in a header, masked or not; the record holds no key", async () => {
    const cases: [string, string][] = [["raw", "echo-error"], ["raw-masked", "echo-error"], ["raw", "echo-header"], ["raw-masked", "echo-header"], ["raw-echo", "echo-error"], ["raw-echo", "echo-escaped"]];
    for (const [connection, fault] of cases) {
      const outcome = await call(connection, fault);
      await refused(outcome, 502, "credential_echoed", /^credential echoed: the upstream's reply (body holds|headers hold) the connection's credential$/);
      expect(holdsNoKey(JSON.stringify(outcome.body))).toBe(true);
      expect(holdsNoKey(JSON.stringify(await recordOf(outcome)))).toBe(true);
    }
    const metrics = await (await fetch(`${stack.agent.url}/-/metrics`)).text();
    expect(metrics).toContain('palisade_agent_upstream_failures_total{connection="raw",failure="credential_echoed"} 2');
  });

  it("passes the provider's redacted echo (a prefix and the last four characters) as it came", async () => {
    const outcome = await call("raw-echo", "echo-redacted");
    expect(outcome.status).toBe(401);
    expect(outcome.body).toMatchObject({ error: { code: "invalid_api_key", message: "Incorrect API key provided: sk-proj-****St90." } });
  });

  it("ends a stream that quotes it with the provider's error event: what came before goes out, the key never", async () => {
    for (const connection of ["raw", "raw-masked"]) {
      const response = await fetch(`${stack.agent.url}/${connection}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${stack.callerToken}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "raw", stream: true, messages: [{ role: "user", content: "fault:echo-stream" }] }),
      });
      const text = await response.text();
      expect(response.status).toBe(200);
      // (The masked stream may still hold "hello" back, read joined with what follows.)
      if (connection === "raw") expect(text).toContain("hello");
      expect(text).toContain("credential_echoed");
      expect(holdsNoKey(text)).toBe(true);
      const record = await recordOf({ status: 200, session: response.headers.get("x-palisade-session"), body: undefined, startedAt: 0 });
      expect(record.response).toMatchObject({ verdict: "failed", error: expect.stringMatching(/^credential echoed: /) });
      expect(holdsNoKey(JSON.stringify(record))).toBe(true);
    }
  });
});

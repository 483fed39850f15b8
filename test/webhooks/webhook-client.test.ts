// The one webhook client against a real local HTTP server: the signature verifies over the bytes
// received, a redirect is a failure and is not followed, a hanging receiver is cut at the timeout,
// transient failures are retried with jittered exponential backoff (sleeper injected: no real
// sleeps), other failures are not, an endless answer is read only up to the bound, and URLs or
// addresses outside the webhook rules are refused before anything is sent.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createWebhookClient, WebhookError, type WebhookClientOptions } from "../../control-plane/webhooks/webhook-client.js";
import { verifyWebhookSignature } from "../../control-plane/webhooks/webhook-signature.js";
import { hang, type ScriptedReceiver, startScriptedReceiver, status } from "./scripted-receiver.js";

const SECRET = "whsec-0123456789";

let receiver: ScriptedReceiver;
const clients: Array<{ close(): Promise<void> }> = [];
beforeAll(async () => { receiver = await startScriptedReceiver(); });
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  receiver.received.length = 0;
  receiver.script.length = 0;
});
afterAll(async () => { await receiver?.close(); });

// A client whose waits between attempts are recorded, not slept.
function client(options: Partial<WebhookClientOptions> = {}) {
  const slept: number[] = [];
  const made = createWebhookClient({
    userAgent: "palisade-test", sleep: async (ms) => { slept.push(ms); }, random: () => 0.5, ...options,
  });
  clients.push(made);
  return { client: made, slept };
}

async function failureOf(promise: Promise<unknown>): Promise<WebhookError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(WebhookError);
  return error as WebhookError;
}

describe("webhook client", () => {
  it("signs the exact body so the receiver can verify it, and sends the caller's headers", async () => {
    const { client: c } = client();
    const body = JSON.stringify({ type: "test", text: "grüße \u2028 done" });
    expect(await c.post({ url: receiver.url(), body, secret: SECRET, headers: { "x-palisade-delivery": "d-1" } })).toEqual({ status: 204, attempts: 1 });
    const [got] = receiver.received;
    expect(verifyWebhookSignature(SECRET, got!.body, got!.headers["x-palisade-signature"] as string)).toBe(true);
    expect(verifyWebhookSignature("another-secret", got!.body, got!.headers["x-palisade-signature"] as string)).toBe(false);
    expect(got!.headers).toMatchObject({ "content-type": "application/json", "user-agent": "palisade-test", "x-palisade-delivery": "d-1" });
  });

  it("sends no signature without a secret", async () => {
    const { client: c } = client();
    await c.post({ url: receiver.url(), body: "{}" });
    expect(receiver.received[0]!.headers["x-palisade-signature"]).toBeUndefined();
  });

  it("does not follow a redirect: a 3xx fails at once and the target is never asked", async () => {
    const { client: c, slept } = client({ attempts: 3 });
    receiver.script.push(status(307, "", { location: receiver.url("/elsewhere") }));
    const error = await failureOf(c.post({ url: receiver.url(), body: "{}" }));
    expect(error).toMatchObject({ failure: "redirect", status: 307, attempts: 1, retryable: false });
    expect(error.message).toMatch(/answered 307: redirects are not followed/);
    expect(receiver.received.map((post) => post.path)).toEqual(["/hook"]);
    expect(slept).toEqual([]);
  });

  it("cuts a receiver that never answers at the timeout", async () => {
    const { client: c } = client({ timeoutMs: 300 });
    receiver.script.push(hang);
    const error = await failureOf(c.post({ url: receiver.url(), body: "{}" }));
    expect(error).toMatchObject({ failure: "timeout", retryable: true });
    expect(error.message).toMatch(/no complete answer within 300 ms/);
  });

  it("retries transient failures with exponential backoff and full jitter until one is accepted", async () => {
    const { client: c, slept } = client({ attempts: 4, retryBaseMs: 100, retryCapMs: 250 });
    receiver.script.push(status(503), status(429), status(500));
    expect(await c.post({ url: receiver.url(), body: '{"n":1}', headers: { "x-palisade-delivery": "same" } })).toEqual({ status: 204, attempts: 4 });
    // Ceilings 100, 200, 250 (capped), each drawn at 0.5.
    expect(slept).toEqual([50, 100, 125]);
    expect(new Set(receiver.received.map((post) => `${post.headers["x-palisade-delivery"]} ${post.body.toString()}`))).toEqual(new Set(['same {"n":1}']));
  });

  it("gives up after the last attempt, saying how many were made and what the receiver said", async () => {
    const { client: c, slept } = client({ attempts: 2, retryBaseMs: 100 });
    receiver.script.push(status(502, "upstream down"), status(503, "still\ndown"));
    const error = await failureOf(c.post({ url: receiver.url(), body: "{}" }));
    expect(error).toMatchObject({ failure: "transient-status", status: 503, attempts: 2 });
    expect(error.message).toBe(`webhook ${receiver.url("")} answered 503: still down`);
    expect(slept).toHaveLength(1);
  });

  it("does not retry a 4xx other than 408, 425 and 429", async () => {
    const { client: c, slept } = client({ attempts: 3 });
    receiver.script.push(status(401, "bad signature"));
    expect(await failureOf(c.post({ url: receiver.url(), body: "{}" }))).toMatchObject({ failure: "status", status: 401, attempts: 1 });
    expect(receiver.received).toHaveLength(1);
    expect(slept).toEqual([]);
  });

  it("reads an answer only up to the bound and drops the connection", async () => {
    const { client: c } = client({ maxResponseBytes: 64 * 1024, timeoutMs: 60_000 });
    let written = 0;
    // An answer that never ends: without the bound the post would wait for the timeout.
    receiver.script.push((res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      const chunk = Buffer.alloc(16 * 1024, "x");
      const more = () => {
        while (!res.destroyed && res.write(chunk)) written += chunk.length;
        if (!res.destroyed) res.once("drain", more);
      };
      more();
    });
    expect(await c.post({ url: receiver.url(), body: "{}" })).toEqual({ status: 200, attempts: 1 });
    expect(written).toBeGreaterThan(0);
  });

  it("refuses URLs outside the webhook rules before sending anything", async () => {
    const { client: c } = client({ attempts: 3 });
    const cases: Array<[string, RegExp]> = [
      ["ftp://127.0.0.1/hook", /must be an http\(s\) URL/],
      ["not a url", /must be an http\(s\) URL/],
      [receiver.url().replace("http://", "http://user:pw@"), /must not carry credentials/],
      ["http://hooks.example.com/hook", /must be https \(http only to localhost/],
      ["https://169.254.169.254/latest/meta-data", /169\.254\.169\.254 is an unspecified, link-local, multicast or reserved address/],
      ["https://[fe80::1]/hook", /fe80::1 is an unspecified, link-local/],
      ["https://0.0.0.0/hook", /0\.0\.0\.0 is an unspecified/],
    ];
    for (const [url, message] of cases) {
      const error = await failureOf(c.post({ url, body: "{}" }));
      expect(error, url).toMatchObject({ failure: "refused", attempts: 1 });
      expect(error.message, url).toMatch(message);
    }
    expect(receiver.received).toEqual([]);
  });

  it("abandons a post in flight and its retries when closed", async () => {
    const { client: c } = client({ attempts: 5, timeoutMs: 60_000 });
    receiver.script.push(hang);
    const posting = failureOf(c.post({ url: receiver.url(), body: "{}" }));
    await receiver.requests(1);
    await c.close();
    expect(await posting).toMatchObject({ failure: "aborted", attempts: 1, retryable: false });
  });
});

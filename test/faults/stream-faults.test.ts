// Failure modes around one answer, through a real agent (docs/operations.md#failure-modes): a
// caller that goes away mid-stream (the upstream request is aborted), a caller that stops reading
// (backpressure reaches the provider, memory stays bounded, and the agent cuts it after the idle
// timeout), a provider sending a huge reply (streamed through with a bounded record; refused when
// it must be read whole and masked), and an identity provider whose keys cannot be fetched (503 in
// the provider's format, recovering when it is back). Every wait is on an event or a state.
import { once } from "node:events";
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";
import { palisade, startStack, type Stack } from "../support/stack.js";
import { recorded } from "../masking/masking-stack.js";
import { freePort } from "./fault-bed.js";
import { type FloodProvider, startFloodProvider } from "./flood-provider.js";

// Long enough that a reader on a loaded CI machine (a 2-core box running the suite) keeps up with the huge reply.
const IDLE_MS = 3_000;
let stack: Stack;
let flood: FloodProvider;
let idpPort: number;
const ISSUER = "https://idp.faults.example";

beforeAll(async () => {
  flood = await startFloodProvider();
  idpPort = await freePort();
  stack = await startStack({ agentName: "stream-faults", agent: { upstreamIdleTimeoutMs: IDLE_MS, jwksCooldownMs: 100 } });
  await palisade(stack.env, ["apply", "-f", "-"], `kind: Connection
name: flood
provider: openai
upstream: ${flood.url}
credential: { header: authorization, value: Bearer sk-flood }
---
kind: Connection
name: flood-masked
provider: openai
upstream: ${flood.url}
credential: { header: authorization, value: Bearer sk-flood }
---
kind: Policy
name: mask-replies
priority: 10
connections: [flood-masked]
action: mask
detectors: [email]
direction: response
---
kind: Policy
name: hold-flood
priority: 20
connections: [flood]
when: request.model == "held"
action: review
approvers: [security]
wait: 1m
---
kind: IdentityProvider
name: away
issuer: ${ISSUER}
audience: palisade
jwksUri: http://127.0.0.1:${idpPort}/jwks
`);
  await eventually("the agent to serve connection flood", async () => {
    const response = await fetch(`${stack.agent.url}/flood/v1/models`, { headers: { authorization: `Bearer ${stack.callerToken}` } });
    await response.arrayBuffer();
    return response.status === 200 ? true : undefined;
  });
}, 90_000);

afterAll(async () => {
  await stack?.close();
  await flood?.close();
});

/** Opens a streamed chat completion through the agent with a raw request (nothing read unless asked); resolves with the response. */
function openStream(connection: string, headers: Record<string, string>): Promise<{ res: IncomingMessage; destroy(): void }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${stack.agent.url}/${connection}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.callerToken}`, "content-type": "application/json", ...headers },
    }, (res) => resolve({ res, destroy: () => req.destroy() }));
    req.on("error", reject);
    req.end(JSON.stringify({ model: "flood", stream: true, messages: [{ role: "user", content: "flood me" }] }));
  });
}

describe("a caller that goes away or stops reading", () => {
  // flood-masked: the reply is read by a response mask rule on its way (relay-inspected.ts).
  it.each(["flood", "flood-masked"])("going away mid-stream aborts the upstream request, recorded failed (%s)", async (connection) => {
    const cut = once(flood.events, "cut");
    const { res, destroy } = await openStream(connection, { "x-flood-bytes": String(256 * 1024 * 1024) });
    await once(res, "data"); // the stream is under way
    destroy();
    await cut; // the provider's answer was closed before its end: the agent aborted it
    const record = await recorded(stack, String(res.headers["x-palisade-session"]));
    expect(record.response).toMatchObject({ status: 200, verdict: "failed", error: "caller closed the connection" });
  }, 60_000);

  it.each(["flood", "flood-masked"])("not reading holds the provider back (bounded memory), and is cut after the idle timeout (%s)", async (connection) => {
    const total = 256 * 1024 * 1024;
    const blocked = once(flood.events, "blocked");
    const cut = once(flood.events, "cut");
    const { res } = await openStream(connection, { "x-flood-bytes": String(total) });
    res.pause(); // the caller reads nothing more
    const [written] = (await blocked) as [number];
    // Backpressure reached the provider: what it could write is socket and stream buffers, not the reply.
    expect(written).toBeLessThan(32 * 1024 * 1024);
    const [writtenAtCut] = (await cut) as [number];
    expect(writtenAtCut).toBeLessThan(32 * 1024 * 1024);
    const record = await recorded(stack, String(res.headers["x-palisade-session"]));
    expect(record.response).toMatchObject({ status: 200, verdict: "failed", error: `caller took nothing for ${IDLE_MS} ms; cut` });
    res.destroy();
  }, 60_000);
  it("leaving while held for review: once approved, nothing is forwarded, recorded failed 499", async () => {
    const before = flood.requests;
    const req = httpRequest(`${stack.agent.url}/flood/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.callerToken}`, "content-type": "application/json" },
    });
    req.on("error", () => {}); // destroyed below
    req.end(JSON.stringify({ model: "held", messages: [{ role: "user", content: "approve me" }] }));
    const held = await eventually("the review to be pending", async () => {
      const listed = JSON.parse(await palisade(stack.env, ["review", "list", "-o", "json"])) as { id: string; session: string; policy: string; state: string }[];
      return listed.find((review) => review.policy === "hold-flood" && review.state === "pending");
    });
    const closed = new Promise((resolve) => req.once("close", resolve));
    req.destroy(); // the caller gives up while the request is held
    await closed;
    await palisade(stack.env, ["review", "approve", held.id]);
    const record = await recorded(stack, held.session);
    expect(record.response).toMatchObject({ status: 499, verdict: "failed", error: "caller closed the connection before it was forwarded" });
    expect(flood.requests).toBe(before);
  }, 90_000);
});

describe("a provider sending a huge reply", () => {
  it("streams through to a reader; the record keeps 1 MiB and says it was cut", async () => {
    const bytes = 24 * 1024 * 1024;
    const finished = once(flood.events, "finished");
    const client = new OpenAI({ baseURL: `${stack.agent.url}/flood/v1`, apiKey: stack.callerToken, maxRetries: 0, defaultHeaders: { "x-flood-bytes": String(bytes) } });
    const { data, response } = await client.chat.completions.create({ model: "flood", stream: true, messages: [{ role: "user", content: "flood me" }] }).withResponse();
    let received = 0;
    for await (const chunk of data) received += chunk.choices[0]?.delta.content?.length ?? 0;
    await finished;
    expect(received).toBeGreaterThan(bytes * 0.9); // every content chunk arrived
    const record = await recorded(stack, response.headers.get("x-palisade-session")!);
    expect(record.response).toMatchObject({ status: 200, verdict: "allowed", truncated: true });
    expect(record.response.body.length).toBeLessThanOrEqual(1024 * 1024);
  }, 120_000);

  it("that must be read whole to be masked is refused past 64 MiB with the provider's error", async () => {
    const client = new OpenAI({ baseURL: `${stack.agent.url}/flood-masked/v1`, apiKey: stack.callerToken, maxRetries: 0, defaultHeaders: { "x-flood-bytes": String(65 * 1024 * 1024), "x-flood-whole": "1" } });
    const error = await client.chat.completions.create({ model: "flood", messages: [{ role: "user", content: "flood me" }] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe("uninspectable_response");
    const record = await recorded(stack, (error as InstanceType<typeof OpenAI.APIError>).headers!.get("x-palisade-session")!);
    expect(record.response).toMatchObject({ status: 502, verdict: "failed" });
    expect(record.response.error).toBe(`uninspectable reply: the body is larger than ${64 * 1024 * 1024} bytes`);
  }, 120_000);
});

describe("an identity provider whose keys cannot be fetched", () => {
  let idp: Server | undefined;
  afterAll(() => idp?.close());

  it("refuses its callers with 503 in the provider's format (fail closed, retry), and serves them once it is back", async () => {
    const { publicKey, privateKey } = await generateKeyPair("ES256");
    const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256", use: "sig" };
    const token = await new SignJWT({ groups: ["eng"] }).setProtectedHeader({ alg: "ES256", kid: "k1" }).setIssuer(ISSUER)
      .setAudience("palisade").setSubject("away-user").setIssuedAt().setExpirationTime("10m").sign(privateKey);
    const client = new OpenAI({ baseURL: `${stack.agent.url}/flood/v1`, apiKey: token, maxRetries: 0, defaultHeaders: { "x-flood-bytes": "100" } });
    const ask = () => client.chat.completions.create({ model: "flood", messages: [{ role: "user", content: "hello" }] }).withResponse();
    // The identity provider is down (nothing listens on its port).
    const error = await eventually("the agent to know the issuer", async () => {
      const caught = await ask().then(() => undefined, (failure: unknown) => failure);
      return caught instanceof OpenAI.APIError && caught.status === 503 ? caught : undefined;
    });
    expect(error.headers?.get("retry-after")).toBe("5");
    expect(error.message).toMatch(/cannot verify the token now: its identity provider's keys cannot be fetched/);
    const record = await recorded(stack, error.headers!.get("x-palisade-session")!);
    expect(record.response).toMatchObject({ status: 503, verdict: "denied" });
    expect(record.response.reason).toMatch(new RegExp(`^issuer ${ISSUER} unreachable: JWKS http://127.0.0.1:${idpPort}/jwks cannot be fetched`));
    // It comes back: the same token is accepted.
    idp = createServer((_req, res) => res.end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => idp!.listen(idpPort, "127.0.0.1", resolve));
    const answered = await eventually("the token to be accepted", async () => ask().catch(() => undefined));
    expect(answered.response.status).toBe(200);
  }, 60_000);
});

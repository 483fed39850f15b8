// What the agent refuses, and how: bad caller tokens (401), unknown connections (404), oversized
// bodies (413), no configuration (503), unreachable upstreams (502) — each in the provider's error
// format so the OpenAI SDK raises its typed errors, each with `x-palisade-session`, each recorded.
import { pino } from "pino";
import { Readable } from "node:stream";
import { create, toJsonString } from "@bufbuild/protobuf";
import { SignJWT } from "jose";
import OpenAI from "openai";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAgent } from "../../agent/agent.js";
import { ExchangeSchema, Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { ConnectionSchema, PolicyAction, PolicySchema, Provider } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { eventually } from "../support/eventually.js";
import { agentToken, issuerUrl, startTestBed, testSnapshot, type TestBed } from "./test-bed.js";

type APIError = InstanceType<typeof OpenAI.APIError>;

const maxBodyBytes = 4096;
let bed: TestBed;
beforeAll(async () => {
  bed = await startTestBed({ maxBodyBytes });
});
afterAll(() => bed?.close());

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const claims = { iss: issuerUrl, aud: "palisade", sub: "mallory", exp: Math.floor(Date.now() / 1000) + 600 };
const recorded = (id: string) => eventually(`exchange ${id}`, () => bed.controlPlane.exchanges.get(id));
const chat = { model: "gpt-test", messages: [{ role: "user" as const, content: "hi" }] };

async function refusal(apiKey: string): Promise<APIError> {
  const client = await bed.openai(apiKey);
  const error = await client.chat.completions.create(chat).then(
    () => undefined,
    (failure: unknown) => failure,
  );
  if (!(error instanceof OpenAI.APIError)) throw new Error(`expected an APIError, got ${String(error)}`);
  return error;
}

describe("caller tokens", () => {
  const badTokens: [string, () => Promise<string>, RegExp][] = [
    ["malformed", async () => "definitely-not-a-jwt", /malformed/],
    ["expired", () => bed.issuer.token("alice", {}, { expiresAt: Math.floor(Date.now() / 1000) - 300 }), /expired/],
    ["wrong-audience", () => bed.issuer.token("alice", {}, { audience: "not-palisade" }), /"aud"/],
    ["alg none", async () => `${b64({ alg: "none", typ: "JWT" })}.${b64(claims)}.`, /algorithm/],
    ["HS256", () => new SignJWT(claims).setProtectedHeader({ alg: "HS256", kid: "test-key" }).sign(new TextEncoder().encode("shared-secret")), /algorithm/],
    ["unknown-issuer", () => bed.issuer.token().then((t) => t.replace(/^([^.]+)\.[^.]+/, `$1.${b64({ ...claims, iss: "https://evil.test" })}`)), /unknown token issuer/],
  ];

  it.each(badTokens)("refuses a %s token with 401 the SDK reads as AuthenticationError", async (_name, makeToken, reason) => {
    const before = bed.provider.requests.length;
    const token = await makeToken();
    const error = await refusal(token);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error.status).toBe(401);
    expect(error.code).toBe("invalid_api_key");
    expect(bed.provider.requests.length).toBe(before);

    const exchange = await recorded(error.headers?.get("x-palisade-session") ?? "");
    expect(exchange).toMatchObject({ status: 401, verdict: Verdict.DENIED, connection: "openai" });
    expect(exchange.reason).toMatch(reason);
    expect(exchange.identity).toBeUndefined();
    expect(toJsonString(ExchangeSchema, exchange)).not.toContain(token);
  });

  it("refuses a request with no token at all", async () => {
    const response = await fetch(`${bed.agent.url}/openai/v1/chat/completions`, { method: "POST", body: JSON.stringify(chat) });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: { message: "Invalid or missing Palisade token", type: "invalid_request_error", param: null, code: "invalid_api_key" } });
    expect((await recorded(response.headers.get("x-palisade-session")!)).reason).toBe("missing token");
  });

  it("answers Anthropic connections in Anthropic's error format", async () => {
    const response = await fetch(`${bed.agent.url}/claude/v1/messages`, { method: "POST", headers: { "x-api-key": "nope" }, body: "{}" });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ type: "error", error: { type: "authentication_error", message: "Invalid or missing Palisade token" } });
  });
});

describe("routing and limits", () => {
  it("answers 404 for an unknown connection", async () => {
    const error = await (await bed.openai(undefined, "nope")).chat.completions.create(chat).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as APIError).message).toContain("Unknown connection: nope");
    const exchange = await recorded((error as APIError).headers?.get("x-palisade-session") ?? "");
    expect(exchange).toMatchObject({ connection: "nope", status: 404, verdict: Verdict.DENIED });
  });

  it("answers 413 above the body limit, declared or streamed, without hanging", async () => {
    const big = { ...chat, messages: [{ role: "user" as const, content: "x".repeat(maxBodyBytes) }] };
    const error = await (await bed.openai()).chat.completions.create(big).catch((failure: unknown) => failure);
    expect((error as APIError).status).toBe(413);
    expect((error as APIError).code).toBe("request_too_large");

    const token = await bed.issuer.token();
    async function* chunked() {
      for (let i = 0; i < 8; i++) yield Buffer.alloc(1024, 0x61);
    }
    const response = await request(`${bed.agent.url}/openai/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: Readable.from(chunked()),
    });
    expect(response.statusCode).toBe(413);
    const exchange = await recorded(String(response.headers["x-palisade-session"]));
    expect(exchange).toMatchObject({ status: 413, verdict: Verdict.DENIED, identity: { subject: "alice" } });
    await response.body.text();
  });

  it("answers 502 in the provider's format when the upstream is unreachable", async () => {
    const snapshot = testSnapshot(bed.provider.url, bed.issuer.jwk, "2");
    snapshot.connections.push(
      create(ConnectionSchema, { name: "dead", provider: Provider.OPENAI, upstream: "http://127.0.0.1:1", credential: { header: "authorization", value: "Bearer x" } }),
    );
    bed.controlPlane.push(snapshot);
    await eventually("ACK of version 2", () => bed.controlPlane.acks.some((ack) => ack.version === "2"));
    const error = await (await bed.openai(undefined, "dead")).chat.completions.create(chat).catch((failure: unknown) => failure);
    expect((error as APIError).status).toBe(502);
    expect((error as APIError).code).toBe("upstream_unreachable");
    const exchange = await recorded((error as APIError).headers?.get("x-palisade-session") ?? "");
    expect(exchange).toMatchObject({ status: 502, verdict: Verdict.FAILED, model: "gpt-test", identity: { subject: "alice" } });
    expect(exchange.error).toContain("ECONNREFUSED");
    // Never delivered: nothing billed, so no estimated usage (limits and budgets charge nothing).
    expect(exchange.usage).toBeUndefined();
  });

  it("answers 503 while it has no configuration yet", async () => {
    const lonely = await startAgent({ listen: "127.0.0.1:0", controlPlane: "http://127.0.0.1:1", token: agentToken });
    try {
      const response = await fetch(`${lonely.url}/openai/v1/models`);
      expect(response.status).toBe(503);
      expect(response.headers.get("x-palisade-session")).toMatch(/^[0-9a-f-]{36}$/);
      expect(await response.json()).toMatchObject({ error: { code: "service_unavailable" } });
    } finally {
      await lonely.close();
    }
  });
});

describe("a failure of the agent itself", () => {
  it("answers 500 internal_error in the provider's format, never an upstream's code, and records it", async () => {
    // A limit store that throws stands for any bug in the pipeline.
    const logged: string[] = [];
    const logger = pino({ level: "error" }, { write: (line: string) => logged.push(line) });
    const broken = await startTestBed({ logger, limits: { admit: () => { throw new Error("limit store exploded"); } } });
    try {
      const snapshot = testSnapshot(broken.provider.url, broken.issuer.jwk, "2");
      snapshot.policies.unshift(create(PolicySchema, { name: "limited", priority: 10, connections: ["*"], action: PolicyAction.ALLOW, requestsPerMinute: 100 }));
      broken.controlPlane.push(snapshot);
      await eventually("ACK of version 2", () => broken.controlPlane.acks.some((ack) => ack.version === "2"));
      const error = await (await broken.openai()).chat.completions.create(chat).catch((failure: unknown) => failure);
      expect((error as APIError).status).toBe(500);
      expect((error as APIError).code).toBe("internal_error");
      expect((error as APIError).type).toBe("server_error");
      const id = (error as APIError).headers?.get("x-palisade-session") ?? "";
      const exchange = await eventually(`exchange ${id}`, () => broken.controlPlane.exchanges.get(id));
      expect(exchange).toMatchObject({ status: 500, verdict: Verdict.FAILED, error: "limit store exploded" });
      // The log names the session and where it failed, never the message (it may quote the request).
      const line = logged.find((entry) => entry.includes("request pipeline failed"));
      expect(line).toContain(id);
      expect(line).toContain("refusals.test.ts");
      expect(logged.join("")).not.toContain("limit store exploded");
      expect(broken.provider.requests).toHaveLength(0);
    } finally {
      await broken.close();
    }
  });
});

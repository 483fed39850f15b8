// Bad input against the real control plane's admin API: Connect JSON over HTTP/1.1 with random,
// malformed and oversized bodies, wrong content types and odd resource fields; gRPC over HTTP/2
// with truncated, oversized and falsely compressed length-prefixed messages. Every answer is a
// Connect/gRPC error with a code (never `internal`/`unknown` for bad input, but for the compressed
// flag without an encoding, which the gRPC spec makes INTERNAL), no answer echoes a secret, and
// the control plane keeps serving.
// More runs: FUZZ_RUNS=2000 npx vitest run test/fuzz/ (FUZZ_SEED picks another seed).
import http2 from "node:http2";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startControlPlane, type ControlPlane } from "../../control-plane/control-plane.js";
import { testDatabase, type TestDatabase } from "../support/database.js";
import { STACK_SECRET_KEY } from "../support/stack.js";
import { fuzzParams } from "./raw-http.js";

const adminToken = "pat_fuzz-admin-token-0123456789abcdef";
const credentialSecret = "sk-fuzz-credential-secret";
const apply = "/palisade.admin.v1.ResourceService/Apply";
const connectCodes = new Set(["canceled", "invalid_argument", "not_found", "already_exists", "permission_denied", "resource_exhausted", "failed_precondition", "aborted", "out_of_range", "unimplemented", "unavailable", "unauthenticated"]);

let db: TestDatabase;
let controlPlane: ControlPlane;

beforeAll(async () => {
  db = await testDatabase();
  controlPlane = await startControlPlane({ listen: "127.0.0.1:0", databaseUrl: db.url, adminToken, secretKey: STACK_SECRET_KEY });
}, 60_000);

afterAll(async () => {
  await controlPlane?.close();
  await db?.close();
});

/** Posts `body` as Connect unary and checks the answer: 200, or a Connect error with a code that blames the input; returns the parsed body. */
async function connectCall(path: string, body: string, contentType: string | undefined, token = adminToken): Promise<{ status: number; json: unknown }> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (contentType !== undefined) headers["content-type"] = contentType;
  const response = await fetch(`${controlPlane.url}${path}`, { method: "POST", headers, body });
  const text = await response.text();
  expect(text).not.toContain(credentialSecret);
  expect(text).not.toContain(adminToken);
  for (const value of response.headers.values()) expect(value).not.toContain(credentialSecret);
  if (response.status === 415) return { status: 415, json: undefined }; // not a Connect request at all
  const answeredType = response.headers.get("content-type") ?? "";
  // gRPC over HTTP/1.1 puts its status in trailers (not visible to fetch); gRPC-Web in a trailer frame.
  if (answeredType.startsWith("application/grpc-web")) {
    expect(text).toMatch(/grpc-status: \d+/);
    return { status: response.status, json: undefined };
  }
  if (answeredType.startsWith("application/grpc")) return { status: response.status, json: undefined };
  if (answeredType.startsWith("application/proto")) {
    expect(response.status).toBe(200); // binary success; errors are JSON
    return { status: response.status, json: undefined };
  }
  if (response.status === 404 && !path.startsWith("/palisade.")) return { status: 404, json: undefined }; // no such route
  const json = JSON.parse(text) as { code?: string; message?: string };
  if (response.status !== 200) {
    // Undecodable protobuf (application/proto) is INTERNAL in connect-es, as in grpc-go and grpc-java.
    const codes = contentType?.startsWith("application/proto") ? new Set([...connectCodes, "internal"]) : connectCodes;
    expect(codes, `${response.status} ${text.slice(0, 300)}`).toContain(json.code);
    expect(typeof json.message).toBe("string");
  }
  return { status: response.status, json };
}

async function stillServing(): Promise<void> {
  const response = await fetch(`${controlPlane.url}/healthz`);
  expect(response.status).toBe(200);
  const { status } = await connectCall("/palisade.admin.v1.ResourceService/ListResources", '{"kind":"KIND_CONNECTION"}', "application/json");
  expect(status).toBe(200);
}

const oddName = fc.oneof(
  fc.string({ maxLength: 70 }),
  fc.constantFrom("../etc/passwd", "a/b", "a%2fb", "a\u0000b", "A", "-a", "a".repeat(64), "a".repeat(100_000), "ünï", "a b", "a\r\nx-injected: 1", "%2e%2e", "", "💩"),
);

describe("admin API under bad input", () => {
  it("Connect JSON: random and malformed bodies, wrong content types", async () => {
    const body = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.json(),
      fc.constantFrom("[".repeat(100_000), '{"resources":'.repeat(20_000), '{"resources":[{"connection":{"name":"\\ud800"}}]}', '{"resources":"x"}', '{"resources":[null]}', "\u0000", '{"resources":[{"connection":{},"policy":{}}]}'),
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString("latin1")),
    );
    const type = fc.constantFrom("application/json", "application/json; charset=utf-8", "application/json; charset=latin1", "application/proto", "text/plain", "application/grpc", "application/grpc-web", "", undefined);
    await fc.assert(
      fc.asyncProperty(body, type, fc.constantFrom(apply, "/palisade.admin.v1.TokenService/CreateToken", "/palisade.admin.v1.ResourceService/GetResource", "/palisade.admin.v1.Nope/Nope", "/../healthz"), async (payload, contentType, path) => {
        await connectCall(path, payload, contentType);
      }),
      fuzzParams(120),
    );
    await stillServing();
  });

  it("odd names and huge strings in resource fields: refused as INVALID_ARGUMENT, secret never echoed", async () => {
    const field = fc.oneof(oddName, fc.constantFrom("http://127.0.0.1:1", "https://api.example.com/v1"), fc.string({ maxLength: 30 }));
    const resource = fc.oneof(
      fc.record({ connection: fc.record({ name: oddName, provider: fc.constantFrom("PROVIDER_OPENAI", "PROVIDER_GENERIC", "NOPE", 7), upstream: field, credential: fc.record({ header: field, value: fc.constant(credentialSecret) }), segments: fc.array(field, { maxLength: 3 }) }) }),
      fc.record({ policy: fc.record({ name: oddName, connections: fc.array(field, { maxLength: 3 }), when: field }) }),
      fc.record({ serviceAccount: fc.record({ name: oddName, groups: fc.array(field, { maxLength: 3 }) }) }),
      fc.record({ identityProvider: fc.record({ name: oddName, issuer: field, audience: field }) }),
    );
    await fc.assert(
      fc.asyncProperty(resource, async (item) => {
        const { status, json } = await connectCall(apply, JSON.stringify({ resources: [item] }), "application/json");
        const name = Object.values(item)[0]!.name;
        if (!/^[a-z][a-z0-9-]{0,62}$/.test(name)) expect((json as { code?: string }).code, JSON.stringify(json)).toBe("invalid_argument");
        else if (status === 200) await connectCall("/palisade.admin.v1.ResourceService/GetResource", JSON.stringify({ kind: "KIND_CONNECTION", name }), "application/json");
      }),
      fuzzParams(80),
    );
    await stillServing();
  });

  it("lookups, tokens and agents with odd strings: an answer, never an internal error", async () => {
    const text = fc.oneof(oddName, fc.string({ unit: "binary", maxLength: 40 }));
    const call = fc.oneof(
      fc.record({ kind: fc.constantFrom("KIND_CONNECTION", "KIND_POLICY", "KIND_SERVICE_ACCOUNT", "NOPE"), name: text }).map((body) => ["ResourceService/GetResource", body] as const),
      fc.record({ kind: fc.constantFrom("KIND_CONNECTION", "KIND_IDENTITY_PROVIDER"), name: text }).map((body) => ["ResourceService/DeleteResource", body] as const),
      fc.record({ subject: text, groups: fc.array(text, { maxLength: 3 }), email: text }).map((body) => ["TokenService/CreateToken", body] as const),
      fc.record({ jti: text, subject: text }, { requiredKeys: [] }).map((body) => ["TokenService/RevokeToken", body] as const),
      fc.record({ name: text, segment: text }).map((body) => ["AgentAdminService/CreateAgent", body] as const),
      fc.record({ name: text }).map((body) => ["AgentAdminService/GetAgent", body] as const),
      fc.record({ id: text }).map((body) => ["SessionService/GetSession", body] as const),
      fc.record({ subject: text, connection: text, pageToken: text }, { requiredKeys: [] }).map((body) => ["SessionService/ListSessions", body] as const),
    );
    await fc.assert(
      fc.asyncProperty(call, async ([method, body]) => {
        await connectCall(`/palisade.admin.v1.${method}`, JSON.stringify(body), "application/json");
      }),
      fuzzParams(120),
    );
    await stillServing();
  });

  it("a body above the read limit is refused, not buffered", async () => {
    const { json } = await connectCall(apply, `{"resources":[{"connection":{"name":"${"a".repeat(40 * 1024 * 1024)}"}}]}`, "application/json");
    expect((json as { code?: string }).code).toBe("resource_exhausted");
    await stillServing();
  });

  it("gRPC: truncated, oversized and falsely compressed messages get a gRPC status", async () => {
    const session = http2.connect(controlPlane.url);
    session.on("error", () => {});
    const call = (frame: Buffer, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; message: string; raw: string }>((resolve, reject) => {
        const stream = session.request({ ":method": "POST", ":path": "/palisade.admin.v1.ResourceService/ListResources", "content-type": "application/grpc", te: "trailers", authorization: `Bearer ${adminToken}`, ...headers });
        let status: string | undefined;
        let message = "";
        const chunks: Buffer[] = [];
        const take = (h: http2.IncomingHttpHeaders) => {
          if (h["grpc-status"] !== undefined) status = String(h["grpc-status"]);
          if (h["grpc-message"] !== undefined) message = decodeURIComponent(String(h["grpc-message"]));
        };
        stream.on("response", take);
        stream.on("trailers", take);
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("error", reject);
        stream.on("close", () => resolve({ status: Number(status ?? -1), message, raw: Buffer.concat(chunks).toString("latin1") }));
        stream.end(frame);
      });
    const envelope = (flag: number, declared: number, data: Buffer) => {
      const head = Buffer.alloc(5);
      head.writeUInt8(flag, 0);
      head.writeUInt32BE(declared, 1);
      return Buffer.concat([head, data]);
    };
    const InvalidArgument = 3;
    const Internal = 13;
    const ResourceExhausted = 8;
    const Unimplemented = 12;
    // connect-node: an incomplete envelope is INVALID_ARGUMENT, but one whose payload is missing
    // altogether reads as "missing input message for unary method", UNIMPLEMENTED.
    const truncated = [InvalidArgument, Unimplemented];
    const frame = fc.oneof(
      fc.record({ kind: fc.constant("truncated"), bytes: fc.uint8Array({ maxLength: 40 }), extra: fc.integer({ min: 1, max: 1_000 }) })
        .map(({ bytes, extra }) => ({ frame: envelope(0, bytes.length + extra, Buffer.from(bytes)), expected: truncated })),
      fc.uint8Array({ minLength: 1, maxLength: 4 }).map((bytes) => ({ frame: Buffer.from(bytes), expected: truncated })),
      fc.uint8Array({ maxLength: 40 }).map((bytes) => ({ frame: envelope(1, bytes.length, Buffer.from(bytes)), expected: [Internal, InvalidArgument] })),
      fc.constant({ frame: envelope(0, 0xffffffff, Buffer.alloc(10)), expected: [ResourceExhausted, InvalidArgument] }),
      fc.uint8Array({ minLength: 1, maxLength: 60 }).map((bytes) => ({ frame: envelope(0, bytes.length, Buffer.from(bytes)), expected: [0, InvalidArgument, Internal] })), // undecodable protobuf: INTERNAL, as grpc-go and grpc-java answer
      fc.constant({ frame: Buffer.concat([envelope(0, 0, Buffer.alloc(0)), envelope(0, 0, Buffer.alloc(0))]), expected: [InvalidArgument, Unimplemented] }),
    );
    try {
      await fc.assert(
        fc.asyncProperty(frame, async ({ frame: bytes, expected }) => {
          const answer = await call(bytes);
          expect(expected, `grpc-status ${answer.status}: ${answer.message}`).toContain(answer.status);
          expect(answer.message + answer.raw).not.toContain(adminToken);
        }),
        fuzzParams(80),
      );
      const gzip = await call(envelope(1, 5, Buffer.from("hello")), { "grpc-encoding": "gzip" });
      expect([InvalidArgument, Internal]).toContain(gzip.status);
      const unknownEncoding = await call(envelope(1, 5, Buffer.from("hello")), { "grpc-encoding": "br-nope" });
      expect(unknownEncoding.status).toBe(Unimplemented); // UNIMPLEMENTED, with the supported encodings named
    } finally {
      session.close();
    }
    await stillServing();
  });
});

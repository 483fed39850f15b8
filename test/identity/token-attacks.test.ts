// An attacker's tokens through a real agent: every one is refused 401 in the provider's format,
// recorded, and never forwarded. Algorithm confusion (none, HMAC keyed with the public key), keys
// the token brings itself (jwk, jku, x5u headers), a kid walking a path, a nested token (cty JWT)
// and a JWE, an unknown critical header, claims at their edges (no exp, exp as a string, nbf or iat
// in the future, expired, issuer with a trailing slash or another case,
// another audience, no or empty subject), the token where the agent does not read it (query,
// Basic, a second header behind a bad first one), and two credentials in one request (a header
// twice, Authorization and x-api-key naming different tokens: a proxy in front may read the other).
// And a block whose issuer an administrator typed with a trailing slash or in another case: it
// refuses (it never applied, silently).
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { request as httpRequest } from "node:http";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { BlockSchema, SnapshotSchema } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { issuerUrl, startTestBed, testSnapshot, type TestBed } from "../agent/test-bed.js";
import { eventually } from "../support/eventually.js";

let bed: TestBed;
let attacker: CryptoKey;
let attackerJwk: Record<string, unknown>;
beforeAll(async () => {
  bed = await startTestBed();
  const pair = await generateKeyPair("ES256", { extractable: true });
  attacker = pair.privateKey;
  attackerJwk = { ...(await exportJWK(pair.publicKey)), kid: "test-key", alg: "ES256" };
});
afterAll(() => bed?.close());

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown> = {}) => ({ iss: issuerUrl, aud: "palisade", sub: "mallory", exp: now() + 600, iat: now(), groups: ["eng"], ...extra });

/** A token signed by the issuer's real key, with `header` and `payload` as given. */
const real = (payload: Record<string, unknown>, header: Record<string, unknown> = {}) =>
  new SignJWT(payload).setProtectedHeader({ alg: "ES256", kid: "test-key", ...header }).sign(bed.issuer.privateKey);

/** Signed with the issuer's real key by hand (jose will not sign a header it does not understand). */
function rawSigned(header: Record<string, unknown>, payload: Record<string, unknown> | string): Promise<string> {
  return rawSignedBy(bed.issuer.privateKey, header, payload);
}

/** A JWS by hand with `key`; a string payload is taken as it is (a nested token). */
async function rawSignedBy(key: CryptoKey, header: Record<string, unknown>, payload: Record<string, unknown> | string): Promise<string> {
  const body = typeof payload === "string" ? Buffer.from(payload).toString("base64url") : b64(payload);
  const input = `${b64(header)}.${body}`;
  const signature = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key, new TextEncoder().encode(input));
  return `${input}.${Buffer.from(signature).toString("base64url")}`;
}

/** Header values; a list is sent as that many header lines (fetch would join them into one). */
type Headers = Record<string, string | string[]>;

async function send(headers: Headers, query = "") {
  if (Object.values(headers).some(Array.isArray)) return sendLines(headers);
  const response = await fetch(`${bed.agent.url}/openai/v1/chat/completions${query}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "token attack probe" }] }),
  });
  return { status: response.status, body: await response.text(), session: response.headers.get("x-palisade-session") ?? "" };
}

/** The probe through node:http, which writes each value of a list as a header line of its own. */
function sendLines(headers: Headers): Promise<{ status: number; body: string; session: string }> {
  const body = JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "token attack probe" }] });
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(`${bed.agent.url}/openai/v1/chat/completions`), { method: "POST", headers: { "content-type": "application/json", ...headers } }, (res) => {
      let text = "";
      res.on("data", (chunk) => { text += chunk; });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text, session: String(res.headers["x-palisade-session"] ?? "") }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const forwarded = () => bed.provider.requests.filter((request) => request.body.includes("token attack probe")).length;

describe("an attacker's tokens", () => {
  const cases: [string, () => Promise<Headers> | Headers, string?][] = [
    ["alg none", () => ({ authorization: `Bearer ${b64({ alg: "none", typ: "JWT" })}.${b64(claims())}.` })],
    ["HS256 keyed with the issuer's public JWK", async () => ({
      authorization: `Bearer ${await new SignJWT(claims()).setProtectedHeader({ alg: "HS256", kid: "test-key" }).sign(new TextEncoder().encode(JSON.stringify(bed.issuer.jwk)))}`,
    })],
    ["its own key in a jwk header", async () => ({ authorization: `Bearer ${await new SignJWT(claims()).setProtectedHeader({ alg: "ES256", kid: "test-key", jwk: attackerJwk as never }).sign(attacker)}` })],
    ["its own key behind jku and x5u", async () => ({
      authorization: `Bearer ${await new SignJWT(claims()).setProtectedHeader({ alg: "ES256", kid: "test-key", jku: "http://127.0.0.1:1/jwks.json", x5u: "http://127.0.0.1:1/cert.pem" }).sign(attacker)}`,
    })],
    ["a kid that walks a path, signed with HS256 and an empty key", async () => ({ authorization: `Bearer ${await new SignJWT(claims()).setProtectedHeader({ alg: "HS256", kid: "../../../../../../dev/null" }).sign(new Uint8Array(32))}` })],
    ["a kid that walks a path, signed with its own key", async () => ({ authorization: `Bearer ${await new SignJWT(claims()).setProtectedHeader({ alg: "ES256", kid: "../../../../etc/passwd" }).sign(attacker)}` })],
    ["a nested JWT (cty JWT: signed by the issuer, its payload the attacker's own token)", async () => ({
      authorization: `Bearer ${await rawSigned({ alg: "ES256", kid: "test-key", cty: "JWT" }, await new SignJWT(claims()).setProtectedHeader({ alg: "ES256", kid: "test-key" }).sign(attacker))}`,
    })],
    ["a JWE-shaped token (five parts)", async () => ({ authorization: `Bearer ${b64({ alg: "dir", enc: "A256GCM" })}..${b64("iv")}.${b64(claims())}.${b64("tag")}` })],
    ["exp as a string", async () => ({ authorization: `Bearer ${await rawSigned({ alg: "ES256", kid: "test-key" }, claims({ exp: String(now() + 600) }))}` })],
    ["an unknown critical header", async () => ({ authorization: `Bearer ${await rawSigned({ alg: "ES256", kid: "test-key", crit: ["x-must-understand"], "x-must-understand": true }, claims())}` })],
    ["no exp", async () => ({ authorization: `Bearer ${await real(claims({ exp: undefined }))}` })],
    ["expired beyond the tolerance", async () => ({ authorization: `Bearer ${await real(claims({ exp: now() - 120 }))}` })],
    ["nbf an hour ahead", async () => ({ authorization: `Bearer ${await real(claims({ nbf: now() + 3600 }))}` })],
    ["iat an hour ahead", async () => ({ authorization: `Bearer ${await real(claims({ iat: now() + 3600 }))}` })],
    ["issuer with a trailing slash", async () => ({ authorization: `Bearer ${await real(claims({ iss: `${issuerUrl}/` }))}` })],
    ["issuer in another case", async () => ({ authorization: `Bearer ${await real(claims({ iss: issuerUrl.toUpperCase() }))}` })],
    ["another audience", async () => ({ authorization: `Bearer ${await real(claims({ aud: ["other", "Palisade"] }))}` })],
    ["no subject", async () => ({ authorization: `Bearer ${await real(claims({ sub: undefined }))}` })],
    ["an empty subject", async () => ({ authorization: `Bearer ${await real(claims({ sub: "" }))}` })],
    ["a subject that is not a string", async () => ({ authorization: `Bearer ${await real(claims({ sub: 42 }))}` })],
    ["a good token in Basic", async () => ({ authorization: `Basic ${Buffer.from(`x:${await bed.issuer.token()}`).toString("base64")}` })],
    ["a good x-api-key behind a bad Authorization", async () => ({ authorization: "Bearer not-a-token", "x-api-key": await bed.issuer.token() })],
    ["a good x-api-key behind Authorization Basic", async () => ({ authorization: "Basic eDp5", "x-api-key": await bed.issuer.token() })],
    ["two good tokens of two callers, one in Authorization and one in x-api-key", async () => ({ authorization: `Bearer ${await bed.issuer.token("alice")}`, "x-api-key": await bed.issuer.token("mallory") })],
    ["a good token in Authorization and a bad one in x-api-key", async () => ({ authorization: `Bearer ${await bed.issuer.token()}`, "x-api-key": "not-a-token" })],
    ["two Authorization headers: a good token and another caller's", async () => ({ authorization: [`Bearer ${await bed.issuer.token("alice")}`, `Bearer ${await bed.issuer.token("mallory")}`] })],
    ["two Authorization headers with the same good token", async () => { const token = await bed.issuer.token(); return { authorization: [`Bearer ${token}`, `Bearer ${token}`] }; }],
    ["two x-api-key headers: a good token and garbage", async () => ({ "x-api-key": [await bed.issuer.token(), "garbage"] })],
  ];

  it.each(cases)("refuses %s (401, recorded, not forwarded)", async (_name, headers) => {
    const before = forwarded();
    const answer = await send(await headers());
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body).error.message).toContain("Invalid or missing Palisade token");
    const exchange = await eventually("the refusal recorded", () => bed.controlPlane.exchanges.get(answer.session));
    expect(exchange).toMatchObject({ status: 401, verdict: Verdict.DENIED });
    expect(forwarded()).toBe(before);
  });

  it("accepts one token sent in both Authorization and x-api-key (the control case for two credentials)", async () => {
    const token = await bed.issuer.token();
    expect((await send({ authorization: `Bearer ${token}`, "x-api-key": token })).status).toBe(200);
    expect((await send({ authorization: [`Bearer ${token}`] })).status).toBe(200);
  });

  it("does not read a token from the query", async () => {
    const answer = await send({}, `?api_key=${await bed.issuer.token()}`);
    expect(answer.status).toBe(401);
  });

  it("accepts a token signed by hand the same way (the control case for the critical header)", async () => {
    expect((await send({ authorization: `Bearer ${await rawSigned({ alg: "ES256", kid: "test-key" }, claims())}` })).status).toBe(200);
  });

  it("accepts the real issuer's token with an audience list naming it (the control case)", async () => {
    const answer = await send({ authorization: `Bearer ${await real(claims({ aud: ["other", "palisade"] }))}` });
    expect(answer.status).toBe(200);
  });
});

describe("a block typed loosely", () => {
  it("refuses the subject whatever the case and trailing slash of the block's issuer (403, recorded, not forwarded)", async () => {
    const acks = bed.controlPlane.acks.length;
    bed.controlPlane.push(create(SnapshotSchema, {
      ...testSnapshot(bed.provider.url, bed.issuer.jwk, "block-1"),
      blocks: [create(BlockSchema, { subject: "mallory", issuer: `${issuerUrl.toUpperCase()}/`, reason: "red team", expireTime: timestampFromMs(Date.now() + 600_000) })],
    }));
    await eventually("the block's snapshot ACK", () => bed.controlPlane.acks.slice(acks).some((ack) => ack.version === "block-1"));
    const before = forwarded();
    const answer = await send({ authorization: `Bearer ${await bed.issuer.token("mallory")}` });
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body).error.message).toContain("Blocked by Palisade");
    expect(await eventually("the refusal recorded", () => bed.controlPlane.exchanges.get(answer.session))).toMatchObject({ status: 403, verdict: Verdict.DENIED });
    expect(forwarded()).toBe(before);
    expect((await send({ authorization: `Bearer ${await bed.issuer.token("trent")}` })).status).toBe(200);
  });

  it("refuses a request whose caller was blocked while it sent its body slowly (the block in force when it goes)", async () => {
    const token = await bed.issuer.token("sloane");
    const body = JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "slow body probe" }] });
    const url = new URL(`${bed.agent.url}/openai/v1/chat/completions`);
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(url, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
        let text = "";
        res.on("data", (chunk) => { text += chunk; });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on("error", reject);
      req.write(body.slice(0, 10));
      // The agent has this request's headers (identity checked, no block) once a later request made after them is answered.
      void send({ authorization: `Bearer ${token}` }).then(async (first) => {
        expect(first.status).toBe(200);
        const acks = bed.controlPlane.acks.length;
        bed.controlPlane.push(create(SnapshotSchema, {
          ...testSnapshot(bed.provider.url, bed.issuer.jwk, "block-2"),
          blocks: [create(BlockSchema, { subject: "sloane", reason: "blocked mid-upload", expireTime: timestampFromMs(Date.now() + 600_000) })],
        }));
        await eventually("the block's snapshot ACK", () => bed.controlPlane.acks.slice(acks).some((ack) => ack.version === "block-2"));
        req.end(body.slice(10));
      }, reject);
    });
    const { status, text } = await answer;
    expect(status).toBe(403);
    expect(text).toContain("blocked mid-upload");
    expect(bed.provider.requests.filter((request) => request.body.includes("slow body probe")).length).toBe(0);
  });
});

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { IssuerSchema, TokenRevocationSchema, type Issuer } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { createKeySetCache, type KeySetCache } from "./key-sets.js";
import { createVerifiedTokenCache } from "./verified-token-cache.js";
import { compileVerifier } from "./verifier.js";

const iss = "https://idp.test";
let privateKey: CryptoKey;
let jwk: JWK;

beforeAll(async () => {
  const pair = await generateKeyPair("ES256", { extractable: true });
  privateKey = pair.privateKey;
  jwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "ES256" };
});

function sign(claims: Record<string, unknown>, options: { exp?: string | number; aud?: string; issuer?: string; iat?: number } = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "ES256", kid: "k1" })
    .setIssuer(options.issuer ?? iss)
    .setAudience(options.aud ?? "palisade")
    .setSubject("alice")
    .setIssuedAt(options.iat)
    .setExpirationTime(options.exp ?? "1h")
    .sign(privateKey);
}

function inlineVerifier() {
  const issuer = create(IssuerSchema, { name: "idp", issuer: iss, audience: "palisade", jwks: JSON.stringify({ keys: [jwk] }), groupsClaim: "org.groups" });
  return compileVerifier([issuer], createKeySetCache());
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

describe("compileVerifier with inline JWKS", () => {
  it("accepts a valid token and reads identity and nested groups", async () => {
    const token = await sign({ email: "a@x.test", org: { groups: ["eng", "ops"] } });
    expect(await inlineVerifier().verify(token)).toMatchObject({
      ok: true,
      identity: { subject: "alice", email: "a@x.test", groups: ["eng", "ops"], issuer: iss },
    });
  });

  it.each([
    ["missing", async () => undefined, "missing token"],
    ["malformed", async () => "not-a-jwt", "malformed token"],
    ["unknown issuer", () => sign({}, { issuer: "https://other.test" }), "unknown token issuer"],
    ["expired", () => sign({}, { exp: Math.floor(Date.now() / 1000) - 120 }), "token expired"],
    ["wrong audience", () => sign({}, { aud: "someone-else" }), 'token claim "aud" invalid: check_failed'],
    ["future iat", () => sign({}, { iat: Math.floor(Date.now() / 1000) + 120 }), 'token claim "iat" invalid: in the future'],
    ["alg none", async () => `${b64({ alg: "none" })}.${b64({ iss, aud: "palisade", sub: "eve", exp: 9e9 })}.`, "token algorithm not allowed"],
  ])("refuses a %s token", async (_name, token, reason) => {
    expect(await inlineVerifier().verify(await token())).toEqual({ ok: false, reason });
  });

  it("refuses HS256 even when signed with the public key material", async () => {
    const secret = new TextEncoder().encode(JSON.stringify(jwk));
    const token = await new SignJWT({}).setProtectedHeader({ alg: "HS256", kid: "k1" }).setIssuer(iss).setAudience("palisade").setSubject("eve").setExpirationTime("1h").sign(secret);
    expect(await inlineVerifier().verify(token)).toEqual({ ok: false, reason: "token algorithm not allowed" });
  });

  it("refuses a snapshot whose inline jwks is not JSON", () => {
    const issuer = create(IssuerSchema, { name: "bad", issuer: iss, audience: "palisade", jwks: "{nope" });
    expect(() => compileVerifier([issuer], createKeySetCache())).toThrow(/not JSON/);
  });
});

describe("compileVerifier with remote keys", () => {
  let server: Server;
  let base: string;
  const hits: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(req.url ?? "");
      res.setHeader("content-type", "application/json");
      if (req.url === "/.well-known/openid-configuration") res.end(JSON.stringify({ issuer: base, jwks_uri: `${base}/keys` }));
      else if (req.url === "/keys") res.end(JSON.stringify({ keys: [jwk] }));
      else res.writeHead(404).end("{}");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("finds keys through OpenID discovery and keeps them across snapshots", async () => {
    const cache = createKeySetCache();
    const issuer = create(IssuerSchema, { name: "oidc", issuer: base, audience: "palisade" });
    const token = await sign({}, { issuer: base });
    expect((await compileVerifier([issuer], cache).verify(token)).ok).toBe(true);
    expect((await compileVerifier([issuer], cache).verify(token)).ok).toBe(true);
    expect(hits.filter((url) => url === "/.well-known/openid-configuration")).toHaveLength(1);
    expect(hits.filter((url) => url === "/keys")).toHaveLength(1);
  });

  it("asks a failing JWKS endpoint again only after the cooldown, refusing meanwhile at once as unreachable", async () => {
    const issuer = create(IssuerSchema, { name: "down", issuer: base, audience: "palisade", jwksUri: `${base}/down` });
    const verifier = compileVerifier([issuer], createKeySetCache({ cooldownMs: 60_000 }));
    const token = await sign({}, { issuer: base });
    for (let i = 0; i < 3; i++) {
      expect(await verifier.verify(token)).toEqual({ ok: false, reason: expect.stringMatching(/^issuer .* unreachable: JWKS http:.*\/down cannot be fetched: /), unreachable: true });
    }
    expect(hits.filter((url) => url === "/down")).toHaveLength(1);
  });

  it("asks a failing JWKS endpoint again after the cooldown even when the wall clock was stepped back meanwhile", async () => {
    const issuer = create(IssuerSchema, { name: "down-clock", issuer: base, audience: "palisade", jwksUri: `${base}/down-clock` });
    let monotonic = 0;
    const verifier = compileVerifier([issuer], createKeySetCache({ cooldownMs: 50, monotonicNow: () => monotonic }));
    const token = await sign({}, { issuer: base });
    const asked = () => hits.filter((url) => url === "/down-clock").length;
    expect(await verifier.verify(token)).toMatchObject({ ok: false, unreachable: true });
    // An hour back (NTP stepping a clock that ran fast): a cooldown kept in wall-clock time would
    // refuse the issuer's tokens for that hour without asking it again.
    const wall = Date.now.bind(Date);
    const stepped = vi.spyOn(Date, "now").mockImplementation(() => wall() - 3_600_000);
    try {
      monotonic += 40;
      expect(await verifier.verify(token)).toMatchObject({ ok: false, unreachable: true });
      expect(asked()).toBe(1); // still in the cooldown
      monotonic += 20;
      expect(await verifier.verify(token)).toMatchObject({ ok: false, unreachable: true });
      expect(asked()).toBe(2); // past it on the monotonic clock, asked again
    } finally {
      stepped.mockRestore();
    }
  });

  it("asks a failing discovery endpoint again only after the cooldown", async () => {
    const broken = `${base}/broken`;
    const issuer = create(IssuerSchema, { name: "broken", issuer: broken, audience: "palisade" });
    const verifier = compileVerifier([issuer], createKeySetCache({ cooldownMs: 60_000 }));
    const token = await sign({}, { issuer: broken });
    for (let i = 0; i < 3; i++) {
      expect(await verifier.verify(token)).toEqual({ ok: false, reason: expect.stringMatching(/^issuer .* unreachable: OpenID discovery .* answered 404$/), unreachable: true });
    }
    expect(hits.filter((url) => url === "/broken/.well-known/openid-configuration")).toHaveLength(1);
  });

  it("uses jwks_uri when given", async () => {
    const issuer = create(IssuerSchema, { name: "direct", issuer: "https://direct.test", audience: "palisade", jwksUri: `${base}/keys` });
    const token = await sign({}, { issuer: "https://direct.test" });
    expect((await compileVerifier([issuer], createKeySetCache()).verify(token)).ok).toBe(true);
  });
});

describe("compileVerifier with a verified-token cache", () => {
  // A key set whose keys can be swapped (as a JWKS refetch does), counting key lookups: one per
  // signature verification.
  function swappableKeys(keys: JWK[]) {
    const state = { keys, generation: 0, lookups: 0 };
    const keySets: KeySetCache = {
      keySetFor: () => ({
        getKey: (header, token) => {
          state.lookups++;
          return createLocalJWKSet({ keys: state.keys })(header, token);
        },
        generation: () => state.generation,
      }),
      retainOnly: () => {},
    };
    return { state, keySets, swap: (next: JWK[]) => { state.keys = next; state.generation++; } };
  }
  const issuer = (audience = "palisade"): Issuer => create(IssuerSchema, { name: "idp", issuer: iss, audience });

  it("verifies a reused token's signature once, and rechecks it when the keys change", async () => {
    const keys = swappableKeys([jwk]);
    const cache = createVerifiedTokenCache();
    const verifier = compileVerifier([issuer()], keys.keySets, [], cache);
    const token = await sign({ email: "a@x.test" });
    for (let i = 0; i < 3; i++) expect(await verifier.verify(token)).toMatchObject({ ok: true, identity: { subject: "alice" } });
    expect(keys.state.lookups).toBe(1);
    // Any JWKS refetch is a new generation: the key is gone, so the cached token is refused at once.
    keys.swap([]);
    expect(await verifier.verify(token)).toEqual({ ok: false, reason: "no key of the issuer matches the token" });
    expect(cache.size).toBe(0);
  });

  it("applies a new snapshot's revocations and issuer settings to cached tokens", async () => {
    const keys = swappableKeys([jwk]);
    const cache = createVerifiedTokenCache();
    const token = await sign({}, { iat: Math.floor(Date.now() / 1000) - 60 });
    expect((await compileVerifier([issuer()], keys.keySets, [], cache).verify(token)).ok).toBe(true);
    const bySubject = create(TokenRevocationSchema, { issuer: iss, subject: "alice", issuedBefore: timestampFromMs(Date.now()) });
    expect(await compileVerifier([issuer()], keys.keySets, [bySubject], cache).verify(token)).toEqual({ ok: false, reason: "token revoked" });
    expect(await compileVerifier([issuer("another-audience")], keys.keySets, [], cache).verify(token)).toEqual({
      ok: false,
      reason: 'token claim "aud" invalid: check_failed',
    });
    expect(await compileVerifier([], keys.keySets, [], cache).verify(token)).toEqual({ ok: false, reason: "unknown token issuer" });
    expect(keys.state.lookups).toBe(2); // the first verification and the new audience's
  });
});

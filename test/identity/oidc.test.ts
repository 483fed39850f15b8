// OIDC callers through a real agent, with tokens from a real OpenID Provider (oidc-provider):
// discovery, groups claims, time and audience checks, the algorithm allow-list, key rotation and
// the JWKS refetch cooldown. Identity providers are configured through the real control plane.
import { decodeProtectedHeader } from "jose";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Agent } from "../../agent/agent.js";
import { eventually } from "../support/eventually.js";
import { newOidcKey, type TestOidcProvider } from "../support/oidc-provider.js";
import { identityProviderYaml, type IdentityBed, startIdentityBed, startOidcProviders, untilStatus } from "./identity-bed.js";

let bed: IdentityBed;
let idp: TestOidcProvider;    // groups in `groups`
let realm: TestOidcProvider;  // groups in `realm_access.roles`, Keycloak style
let agent: Agent;             // short JWKS cooldown, so rotation tests need not wait 30 s

beforeAll(async () => {
  bed = await startIdentityBed();
  [idp, realm] = await startOidcProviders(2);
  await bed.palisade(["apply", "-f", "-"], `${identityProviderYaml("idp", idp!)}---\n${identityProviderYaml("realm", realm!, "realm_access.roles")}`);
  agent = await bed.startAgent("identity-edge", { jwksCooldownMs: 200 });
  await untilStatus(bed, agent, await idp.token(), 200);
});

afterAll(async () => {
  await bed?.close();
  await idp?.close();
  await realm?.close();
});

/** A chat completion through `via` with `token`: the status and the session id, success or not. */
async function chat(token: string, via: Agent = agent): Promise<{ status: number; session: string | null; error?: unknown }> {
  try {
    const { response } = await bed.openai(via, token)
      .chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hello" }] })
      .withResponse();
    return { status: response.status, session: response.headers.get("x-palisade-session") };
  } catch (error) {
    if (!(error instanceof OpenAI.APIError)) throw error;
    return { status: error.status ?? 0, session: error.headers?.get("x-palisade-session") ?? null, error };
  }
}

/** Expects `token` refused with 401 (the SDK's AuthenticationError) and returns the recorded reason. */
async function refusedReason(token: string, via: Agent = agent): Promise<string> {
  const result = await chat(token, via);
  expect(result.status).toBe(401);
  expect(result.error).toBeInstanceOf(OpenAI.AuthenticationError);
  return (await bed.session(result.session)).response.reason ?? "";
}

describe("an OpenID provider's tokens through the agent", () => {
  it("finds the keys by discovery and reads groups from a string, an array and a nested path", async () => {
    const cases: Array<[TestOidcProvider, Record<string, unknown>, string[]]> = [
      [idp, { groups: "eng" }, ["eng"]],
      [idp, { groups: ["eng", "ops"] }, ["eng", "ops"]],
      [realm, { realm_access: { roles: ["admins", "eng"] }, groups: ["ignored"] }, ["admins", "eng"]],
    ];
    for (const [provider, claims, groups] of cases) {
      const result = await chat(await provider.token({ subject: "carol", claims }));
      expect(result.status).toBe(200);
      const session = await bed.session(result.session);
      expect(session.identity).toEqual({ subject: "carol", groups, issuer: provider.issuer });
    }
    // No jwksUri was configured: the keys came from the jwks_uri the discovery document named.
    expect(idp.jwksRequests()).toBeGreaterThan(0);
    expect(realm.jwksRequests()).toBeGreaterThan(0);
  });

  it("accepts clock skew within the 30 s tolerance", async () => {
    // The provider's clock 20 s ahead (nbf in the future) and one whose token expired 20 s ago.
    expect((await chat(await idp.token({ clockSkewSeconds: 20 }))).status).toBe(200);
    expect((await chat(await idp.token({ ttlSeconds: 60, clockSkewSeconds: -80 }))).status).toBe(200);
  });

  it.each([
    ["a future nbf beyond the tolerance", () => idp.token({ clockSkewSeconds: 120 }), /"nbf" invalid/],
    ["an exp beyond the tolerance", () => idp.token({ ttlSeconds: 60, clockSkewSeconds: -180 }), /token expired/],
    ["another audience", () => idp.token({ audience: "someone-else" }), /"aud" invalid/],
    ["an issuer no provider is configured for", () => idp.token({ issuerClaim: "https://elsewhere.example" }), /unknown token issuer/],
    ["another provider's key claiming this issuer", () => realm.token({ issuerClaim: idp.issuer }), /no key of the issuer|signature/],
  ])("refuses %s with 401", async (_name, token, reason) => {
    expect(await refusedReason(await token())).toMatch(reason);
  });

  it("refuses alg none and HS256, even when the HMAC key is the provider's public key", async () => {
    const publicJwk = { ...idp.keys()[0]!.jwk };
    for (const field of ["d", "p", "q", "dp", "dq", "qi"]) delete (publicJwk as Record<string, unknown>)[field];
    const hs256 = await idp.token({ algorithm: "HS256", hmacKey: new TextEncoder().encode(JSON.stringify(publicJwk)) });
    expect(decodeProtectedHeader(hs256).alg).toBe("HS256");
    expect(await refusedReason(hs256)).toBe("token algorithm not allowed");

    const [, payload] = (await idp.token()).split(".");
    const none = `${Buffer.from(JSON.stringify({ alg: "none", typ: "at+jwt" })).toString("base64url")}.${payload}.`;
    expect(await refusedReason(none)).toBe("token algorithm not allowed");
  });
});

describe("key rotation at the provider", () => {
  it("accepts a token signed with a new key after a refetch, and refuses one whose key was removed", async () => {
    const oldToken = await realm.token({ claims: { realm_access: { roles: ["eng"] } } });
    expect((await chat(oldToken)).status).toBe(200);

    const added = await newOidcKey();
    realm.rotate([added, ...realm.keys()]);
    const before = realm.jwksRequests();
    const newToken = await realm.token();
    expect(decodeProtectedHeader(newToken).kid).toBe(added.kid);
    // The unknown kid makes the agent refetch the JWKS once the cooldown allows.
    await eventually("the new key to be accepted", async () => ((await chat(newToken)).status === 200 ? true : undefined));
    expect(realm.jwksRequests()).toBeGreaterThan(before);
    expect((await chat(oldToken)).status).toBe(200);

    // The old keys are withdrawn; the next unknown kid refreshes the agent's copy without them, and
    // that refetch also voids the agent's verified-token cache, where oldToken and newToken sit.
    const replacement = await newOidcKey();
    realm.rotate([replacement]);
    const newest = await realm.token();
    await eventually("the replacement key to be accepted", async () => ((await chat(newest)).status === 200 ? true : undefined));
    expect(await refusedReason(oldToken)).toMatch(/no key of the issuer/);
    expect(await refusedReason(newToken)).toMatch(/no key of the issuer/);
  });

  it("refetches at most once per cooldown however many unknown kids arrive", async () => {
    // An agent with the default 30 s cooldown: its first token fetches the JWKS, then nothing
    // may fetch it again until the cooldown has passed.
    const patient = await bed.startAgent("identity-patient");
    await untilStatus(bed, patient, await idp.token(), 200);
    const fetched = idp.jwksRequests();

    const unseen = await newOidcKey();
    idp.rotate([unseen, ...idp.keys()]);
    for (let i = 0; i < 10; i++) {
      expect(await refusedReason(await idp.token({ subject: `probe-${i}` }), patient)).toMatch(/no key of the issuer/);
    }
    expect(idp.jwksRequests()).toBe(fetched);
  });
});

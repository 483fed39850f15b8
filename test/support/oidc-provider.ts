// A real OpenID Provider (panva's oidc-provider) for identity tests, on port 0. Tokens are JWT
// access tokens from the client_credentials grant with a resource indicator; the provider's own
// JWT customizer hook adds the claims a test asks for, and can skew the provider's clock. Its
// signing keys can be rotated without changing the issuer URL (a new Provider instance behind the
// same server), and it counts the JWKS requests it answers.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import Provider, { type Configuration } from "oidc-provider";

/** A signing key of the provider (private JWK with its kid). */
export interface OidcKey {
  kid: string;
  jwk: JWK;
}

/** What one token should carry. */
export interface TokenRequest {
  /** The token's `sub` (default "alice"). */
  subject?: string;
  /** Extra claims, such as `groups` or `realm_access`. */
  claims?: Record<string, unknown>;
  /** The `aud` (default "palisade"). */
  audience?: string;
  /** Lifetime in seconds (default 300). */
  ttlSeconds?: number;
  /** How far the provider's clock is ahead (positive) or behind: shifts iat, nbf and exp. */
  clockSkewSeconds?: number;
  /** Signing algorithm; an HS* algorithm signs with `hmacKey`. Default RS256. */
  algorithm?: string;
  hmacKey?: Uint8Array;
  /** Overrides the `iss` claim (the token is still signed by this provider). */
  issuerClaim?: string;
}

/** A running provider. */
export interface TestOidcProvider {
  /** The issuer URL (`iss`), also the discovery base. */
  issuer: string;
  /** JWKS documents served so far. */
  jwksRequests(): number;
  /** A fresh access token from the token endpoint. */
  token(request?: TokenRequest): Promise<string>;
  /** The keys in force; the first one signs. */
  keys(): readonly OidcKey[];
  /** Replaces the keystore (the first key signs new tokens); the issuer URL stays. */
  rotate(keys: readonly OidcKey[]): void;
  close(): Promise<void>;
}

const CLIENT_ID = "palisade-test";
const CLIENT_SECRET = "palisade-test-secret-0123456789abcdef";

/** A new RS256 signing key. */
export async function newOidcKey(): Promise<OidcKey> {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = randomUUID();
  return { kid, jwk: { ...(await exportJWK(privateKey)), kid, alg: "RS256", use: "sig" } };
}

// A per-instance in-memory store (the provider's own default one warns on every start).
class MemoryStore {
  private readonly items = new Map<string, unknown>();
  async upsert(id: string, payload: unknown) { this.items.set(id, payload); }
  async find(id: string) { return this.items.get(id); }
  async findByUid() { return undefined; }
  async findByUserCode() { return undefined; }
  async consume() {}
  async destroy(id: string) { this.items.delete(id); }
  async revokeByGrantId() {}
}

function configuration(keys: readonly OidcKey[], requests: Map<string, TokenRequest>): Configuration {
  const requestFor = (resource: string) => requests.get(resource) ?? {};
  return {
    adapter: MemoryStore,
    clients: [{
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      grant_types: ["client_credentials"],
      redirect_uris: [],
      response_types: [],
    }],
    jwks: { keys: keys.map((key) => key.jwk) },
    ttl: { ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? 300 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        async getResourceServerInfo(_ctx, resource) {
          const request = requestFor(resource);
          const alg = request.algorithm ?? "RS256";
          return {
            audience: request.audience ?? "palisade",
            scope: "",
            accessTokenTTL: request.ttlSeconds ?? 300,
            accessTokenFormat: "jwt",
            jwt: { sign: alg.startsWith("HS") ? { alg, key: request.hmacKey } : { alg } },
          };
        },
      },
    },
    formats: {
      customizers: {
        // The provider's documented hook for shaping JWT access tokens before they are signed.
        async jwt(_ctx, token, jwt) {
          const resource = token.resourceServer?.identifier() ?? "";
          const request = requestFor(resource);
          const skew = request.clockSkewSeconds ?? 0;
          const payload = jwt.payload as Record<string, unknown> & { iat: number; exp: number };
          Object.assign(payload, request.claims ?? {}, { sub: request.subject ?? "alice" });
          payload.iat += skew;
          payload.exp += skew;
          payload.nbf = payload.iat;
          if (request.issuerClaim) payload.iss = request.issuerClaim;
        },
      },
    },
  };
}

/** Starts a provider on 127.0.0.1, port 0, with one fresh key (or the given ones). */
export async function startOidcProvider(initialKeys?: readonly OidcKey[]): Promise<TestOidcProvider> {
  const requests = new Map<string, TokenRequest>();
  let keys: readonly OidcKey[] = initialKeys ?? [await newOidcKey()];
  let jwksRequests = 0;
  let provider: Provider | undefined;
  let handle: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;

  const server: Server = createServer((req, res) => {
    if (req.url?.split("?")[0] === "/jwks") jwksRequests++;
    handle!(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const install = () => {
    provider = new Provider(issuer, configuration(keys, requests));
    handle = provider.callback();
  };
  install();

  return {
    issuer,
    jwksRequests: () => jwksRequests,
    keys: () => keys,
    rotate(next) {
      keys = [...next];
      install();
    },
    async token(request = {}) {
      const resource = `urn:palisade-test:${randomUUID()}`;
      requests.set(resource, request);
      try {
        const response = await fetch(`${issuer}/token`, {
          method: "POST",
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString("base64")}`,
          },
          body: new URLSearchParams({ grant_type: "client_credentials", resource }),
        });
        const body = (await response.json()) as { access_token?: string; error?: string; error_description?: string };
        if (!response.ok || !body.access_token) {
          throw new Error(`token endpoint answered ${response.status}: ${body.error ?? ""} ${body.error_description ?? ""}`);
        }
        return body.access_token;
      } finally {
        requests.delete(resource);
      }
    },
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    }),
  };
}

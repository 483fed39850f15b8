// A real OpenID Provider (panva's oidc-provider) that people sign in to in a browser, for the
// console's tests: its development login form (any login, any password), consent, and the
// authorization code flow with PKCE for one public client, the console. The account's groups come
// from the table given, and go in the ID token (claims of the `groups` scope).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Provider, { type Configuration } from "oidc-provider";
import { newOidcKey } from "./oidc-provider.js";

/** The console's client id at this provider. */
export const CONSOLE_CLIENT_ID = "palisade-console";

/** A running provider. */
export interface LoginProvider {
  issuer: string;
  close(): Promise<void>;
}

// oidc-provider's storage interface over a Map: what the code flow and its interactions use.
class MemoryAdapter {
  private static items = new Map<string, Record<string, unknown>>();
  constructor(private readonly model: string) {}
  private key(id: string) { return `${this.model}:${id}`; }
  async upsert(id: string, payload: Record<string, unknown>) { MemoryAdapter.items.set(this.key(id), payload); }
  async find(id: string) { return MemoryAdapter.items.get(this.key(id)); }
  async findByUid(uid: string) {
    for (const [key, payload] of MemoryAdapter.items) if (key.startsWith(`${this.model}:`) && payload.uid === uid) return payload;
    return undefined;
  }
  async findByUserCode() { return undefined; }
  async consume(id: string) {
    const payload = MemoryAdapter.items.get(this.key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id: string) { MemoryAdapter.items.delete(this.key(id)); }
  async revokeByGrantId(grantId: string) {
    for (const [key, payload] of MemoryAdapter.items) if (payload.grantId === grantId) MemoryAdapter.items.delete(key);
  }
}

/** Starts a provider on 127.0.0.1, port 0, whose console client redirects to `redirectUri`; `groups` maps logins to groups. */
export async function startLoginProvider(redirectUri: string, groups: Record<string, string[]>): Promise<LoginProvider> {
  const key = await newOidcKey();
  let provider: Provider | undefined;
  const server: Server = createServer((req, res) => provider!.callback()(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const configuration: Configuration = {
    adapter: MemoryAdapter,
    clients: [{
      client_id: CONSOLE_CLIENT_ID,
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code"],
      response_types: ["code"],
      redirect_uris: [redirectUri],
    }],
    jwks: { keys: [key.jwk] },
    cookies: { keys: ["console-test-cookie-key-0123456789"] },
    claims: { openid: ["sub"], groups: ["groups"] },
    // Put the scopes' claims in the ID token (by default they are only at the userinfo endpoint).
    conformIdTokenClaims: false,
    findAccount: async (_ctx, id) => ({ accountId: id, claims: async () => ({ sub: id, groups: groups[id] ?? [] }) }),
    features: { devInteractions: { enabled: true } },
  };
  provider = new Provider(issuer, configuration);
  return {
    issuer,
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    }),
  };
}

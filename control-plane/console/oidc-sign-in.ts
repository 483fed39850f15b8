// Signing in to the console with an IdentityProvider: OpenID Connect authorization code flow with
// PKCE, the console being a public client. The browser makes the verifier, state and nonce and
// goes to the provider; the control plane redeems the code at the provider's token endpoint
// (openid-client checks state, the RFC 9207 `iss` parameter, the ID token's issuer, audience,
// expiry and nonce) and reads subject and groups from the ID token.
import * as oidc from "openid-client";
import type { Logger } from "pino";
import { groupsFrom } from "../../core/identity/claims.js";
import type { IdentityProvider } from "../../gen/palisade/admin/v1/resources_pb.js";
import type { Database } from "../storage/database.js";
import { identityProviders } from "../storage/resources/identity-providers.js";

/** A provider the console offers, with its authorization endpoint when discovery answered. */
export interface SignInProviderOption {
  name: string;
  issuer: string;
  authorizationEndpoint: string;
  clientId: string;
  scopes: string[];
}

/** What the browser brings back from the provider. */
export interface OidcCallback {
  provider: string;
  callbackUrl: string;
  codeVerifier: string;
  state: string;
  nonce: string;
}

/** Who signed in. */
export interface OidcIdentity {
  subject: string;
  issuer: string;
  groups: string[];
}

/** Why a sign-in was refused; `kind` picks the status code. */
export class OidcSignInError extends Error {
  constructor(readonly kind: "unknown-provider" | "refused", message: string) {
    super(message);
  }
}

/** The console's OIDC sign-in. */
export interface OidcSignIn {
  options(): Promise<SignInProviderOption[]>;
  redeem(callback: OidcCallback): Promise<OidcIdentity>;
}

// Discovery documents are kept this long; a failed discovery is not kept.
const DISCOVERY_TTL_MS = 10 * 60_000;
const REQUEST_TIMEOUT_SECONDS = 10;

/** Sign-in over the IdentityProviders stored in `db` that have a console client. */
export function createOidcSignIn(deps: { db: Database; logger: Logger }): OidcSignIn {
  const discovered = new Map<string, { at: number; config: Promise<oidc.Configuration> }>();

  const configFor = (provider: IdentityProvider, clientId: string): Promise<oidc.Configuration> => {
    const key = `${provider.issuer} ${clientId}`;
    const cached = discovered.get(key);
    if (cached && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached.config;
    // An http:// issuer is the operator's own choice (tests, a provider on the same host).
    const insecure = provider.issuer.startsWith("http:");
    const config = oidc.discovery(new URL(provider.issuer), clientId, undefined, oidc.None(), {
      execute: insecure ? [oidc.allowInsecureRequests] : [],
      timeout: REQUEST_TIMEOUT_SECONDS,
    });
    discovered.set(key, { at: Date.now(), config });
    config.catch(() => { if (discovered.get(key)?.config === config) discovered.delete(key); });
    return config;
  };

  const consoleProviders = async () =>
    (await identityProviders.list(deps.db.em())).filter((provider) => provider.console !== undefined);

  return {
    async options() {
      return Promise.all((await consoleProviders()).map(async (provider) => {
        const client = provider.console!;
        let authorizationEndpoint = "";
        try {
          authorizationEndpoint = (await configFor(provider, client.clientId)).serverMetadata().authorization_endpoint ?? "";
        } catch (error) {
          deps.logger.warn({ err: error, provider: provider.name }, "console sign-in: OpenID discovery failed");
        }
        const scopes = client.scopes.length > 0 ? client.scopes : ["openid"];
        return { name: provider.name, issuer: provider.issuer, authorizationEndpoint, clientId: client.clientId, scopes };
      }));
    },

    async redeem(callback) {
      const provider = (await consoleProviders()).find((candidate) => candidate.name === callback.provider);
      if (!provider) throw new OidcSignInError("unknown-provider", `identity provider "${callback.provider}" offers no console sign-in`);
      let claims: oidc.IDToken | undefined;
      try {
        const config = await configFor(provider, provider.console!.clientId);
        const tokens = await oidc.authorizationCodeGrant(config, new URL(callback.callbackUrl), {
          pkceCodeVerifier: callback.codeVerifier,
          expectedState: callback.state,
          expectedNonce: callback.nonce,
          idTokenExpected: true,
        });
        claims = tokens.claims();
      } catch (error) {
        // openid-client's messages name the check that failed, never a token.
        const reason = error instanceof Error ? error.message : String(error);
        throw new OidcSignInError("refused", `identity provider "${provider.name}" sign-in refused: ${reason}`);
      }
      if (!claims?.sub) throw new OidcSignInError("refused", `identity provider "${provider.name}" returned no ID token subject`);
      return { subject: claims.sub, issuer: provider.issuer, groups: groupsFrom(claims, provider.groupsClaim) };
    },
  };
}

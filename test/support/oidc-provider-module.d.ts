// The slice of oidc-provider's API the test provider uses (the package ships no types, and
// @types/oidc-provider lags its versions). Only what test/support/oidc-provider.ts and
// oidc-login-provider.ts touch.
declare module "oidc-provider" {
  import type { IncomingMessage, ServerResponse } from "node:http";

  export interface ResourceServerInfo {
    audience: string;
    scope: string;
    accessTokenTTL?: number;
    accessTokenFormat?: "jwt" | "opaque";
    jwt?: { sign?: { alg: string; key?: Uint8Array } };
  }

  export interface JwtAccessToken {
    header: Record<string, unknown> | undefined;
    payload: Record<string, unknown>;
  }

  export interface IssuedToken {
    resourceServer?: { identifier(): string; accessTokenTTL?: number };
  }

  export interface Configuration {
    adapter?: new (name: string) => object;
    clients?: Array<Record<string, unknown>>;
    jwks?: { keys: object[] };
    cookies?: { keys: string[] };
    /** Scope name to the claims it releases. */
    claims?: Record<string, string[]>;
    conformIdTokenClaims?: boolean;
    findAccount?(ctx: unknown, id: string): Promise<{ accountId: string; claims(): Promise<Record<string, unknown>> }>;
    ttl?: Record<string, number | ((ctx: unknown, token: IssuedToken) => number)>;
    features?: {
      devInteractions?: { enabled: boolean };
      clientCredentials?: { enabled: boolean };
      resourceIndicators?: {
        enabled: boolean;
        getResourceServerInfo?(ctx: unknown, resourceIndicator: string, client: unknown): Promise<ResourceServerInfo>;
      };
    };
    formats?: {
      customizers?: { jwt?(ctx: unknown, token: IssuedToken, jwt: JwtAccessToken): Promise<void> };
    };
  }

  export default class Provider {
    constructor(issuer: string, configuration?: Configuration);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
  }
}

// The admin services over a real database behind the real authentication interceptor, with caller
// JWTs from the control plane's own issuer and from a local OIDC-like issuer (discovery + JWKS).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { DescService } from "@bufbuild/protobuf";
import { type Client, type ConnectRouter, createClient, createRouterTransport, type Interceptor } from "@connectrpc/connect";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import pino from "pino";
import { registerAdminRoutes } from "../../control-plane/admin/admin-routes.js";
import { bootstrapAdminToken, createAdminTokenVerifier } from "../../control-plane/auth/admin-tokens.js";
import { createCallerAccessResolver } from "../../control-plane/auth/caller-access.js";
import { createBlockStore } from "../../control-plane/blocks/block-store.js";
import { createConsoleSessionStore, type ConsoleSessionStore } from "../../control-plane/console/console-sessions.js";
import { createOidcSignIn } from "../../control-plane/console/oidc-sign-in.js";
import { type SnapshotCache, startSnapshotCache } from "../../control-plane/snapshot/snapshot-cache.js";
import { createAgentStore } from "../../control-plane/storage/agents.js";
import { type Database, openDatabase } from "../../control-plane/storage/database.js";
import { createExchangeReader, createExchangeSink } from "../../control-plane/storage/exchanges.js";
import { createReviewStore } from "../../control-plane/reviews/review-store.js";
import { createResourceStore } from "../../control-plane/storage/resources/resource-store.js";
import type { ExchangeSink } from "../../control-plane/stream/ports.js";
import { ensureSigningKey } from "../../control-plane/tokens/signing-keys.js";
import { createTokenIssuer, type TokenIssuer } from "../../control-plane/tokens/token-issuer.js";
import { testDatabase } from "../support/database.js";

export const ADMIN_TOKEN = "pat_auth-test-admin-token";

/** A local OpenID issuer: discovery document and JWKS over HTTP, tokens signed with its ES256 key. */
export interface LocalIssuer {
  url: string;
  sign(claims: Record<string, unknown>, options?: { audience?: string; expiresIn?: string | number }): Promise<string>;
  close(): Promise<void>;
}

/** Starts a local issuer on port 0. */
export async function startLocalIssuer(): Promise<LocalIssuer> {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: "local-1", alg: "ES256", use: "sig" };
  let url = "";
  const server: Server = createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    if (req.url === "/.well-known/openid-configuration") res.end(JSON.stringify({ issuer: url, jwks_uri: `${url}/jwks` }));
    else if (req.url === "/jwks") res.end(JSON.stringify({ keys: [jwk] }));
    else res.writeHead(404).end("{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    sign(claims, options = {}) {
      return new SignJWT(claims)
        .setProtectedHeader({ alg: "ES256", kid: "local-1" })
        .setIssuer(url)
        .setAudience(options.audience ?? "palisade-admin")
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? "10m")
        .sign(privateKey);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The admin API in process behind the real interceptor. */
export interface AuthHarness {
  db: Database;
  snapshots: SnapshotCache;
  sink: ExchangeSink;
  issuer: TokenIssuer;
  /** Console links and sessions (ConsoleService is served, with cookies honoured). */
  consoleSessions: ConsoleSessionStore;
  /** A token of the control plane's own issuer. */
  token(subject: string, groups?: string[]): Promise<string>;
  /** A client of `service` sending `token` as the bearer (none when null), and `headers`. */
  client<S extends DescService>(service: S, token: string | null, headers?: Record<string, string>): Client<S>;
  /** Response headers of the last call made through any client. */
  lastHeaders(): Headers | undefined;
  close(): Promise<void>;
}

/** Opens a fresh database and serves the admin services over it. */
export async function startAuthHarness(options: { reviewPendingTtlMs?: number; consoleNow?: () => Date } = {}): Promise<AuthHarness> {
  const database = await testDatabase();
  const db = await openDatabase({ databaseUrl: database.url });
  await bootstrapAdminToken(db, ADMIN_TOKEN);
  await ensureSigningKey(db);
  const logger = pino({ level: "silent" });
  const snapshots = await startSnapshotCache({ db, logger });
  const issuer = createTokenIssuer(db);
  const consoleSessions = createConsoleSessionStore(db, { now: options.consoleNow });
  const routes = (router: ConnectRouter) => registerAdminRoutes(router, {
    resources: createResourceStore(db),
    agents: createAgentStore(db),
    exchanges: createExchangeReader(db),
    reviews: createReviewStore(db, { pendingTtlMs: options.reviewPendingTtlMs ?? 3_600_000 }),
    issuer,
    verifyAdminToken: createAdminTokenVerifier(db),
    callers: createCallerAccessResolver({ db, snapshots, logger }),
    disconnectAgent: async () => undefined,
    blocks: { store: createBlockStore(db), db },
    auditDb: db,
    console: { sessions: consoleSessions, db, oidc: createOidcSignIn({ db, logger }), secureCookie: false, logger },
  });
  let headers: Headers | undefined;
  return {
    db,
    snapshots,
    sink: createExchangeSink(db),
    issuer,
    consoleSessions,
    async token(subject, groups = []) {
      return (await issuer.issue({ subject, groups, ttlSeconds: 600 })).token;
    },
    client(service, token, extra = {}) {
      const authorize: Interceptor = (next) => async (request) => {
        if (token !== null) request.header.set("authorization", `Bearer ${token}`);
        for (const [name, value] of Object.entries(extra)) request.header.set(name, value);
        const response = await next(request);
        headers = response.header;
        return response;
      };
      return createClient(service, createRouterTransport(routes, { transport: { interceptors: [authorize] } }));
    },
    lastHeaders: () => headers,
    async close() {
      await snapshots.close();
      await db.close();
      await database.close();
    },
  };
}

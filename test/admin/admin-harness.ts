// The admin services over a real database, served in process through createRouterTransport.
import { type Client, ConnectError, type ConnectRouter, createClient, createRouterTransport, type Interceptor } from "@connectrpc/connect";
import type { DescService } from "@bufbuild/protobuf";
import pino from "pino";
import { registerAdminRoutes } from "../../control-plane/admin/admin-routes.js";
import { bootstrapAdminToken, createAdminTokenVerifier } from "../../control-plane/auth/admin-tokens.js";
import { createBlockStore } from "../../control-plane/blocks/block-store.js";
import { type SnapshotCache, startSnapshotCache } from "../../control-plane/snapshot/snapshot-cache.js";
import { createAgentStore } from "../../control-plane/storage/agents.js";
import { type Database, openDatabase } from "../../control-plane/storage/database.js";
import { createExchangeReader, createExchangeSink } from "../../control-plane/storage/exchanges.js";
import { createReviewStore } from "../../control-plane/reviews/review-store.js";
import { createResourceStore } from "../../control-plane/storage/resources/resource-store.js";
import { ensureSigningKey } from "../../control-plane/tokens/signing-keys.js";
import { createTokenIssuer } from "../../control-plane/tokens/token-issuer.js";
import type { ExchangeSink } from "../../control-plane/stream/ports.js";
import { testDatabase } from "../support/database.js";

export const ADMIN_TOKEN = "pat_admin-test-token";

/** The error `call` was refused with; fails the test when it succeeded. */
export async function refusal(call: Promise<unknown>): Promise<ConnectError> {
  const error = await call.then(() => undefined, (e: unknown) => ConnectError.from(e));
  if (!error) throw new Error("the call succeeded");
  return error;
}

/** The admin API in process, with what tests need to look behind it. */
export interface AdminHarness {
  db: Database;
  snapshots: SnapshotCache;
  sink: ExchangeSink;
  /** Agents whose streams the service asked to end. */
  disconnected: string[];
  /** A client of `service` sending `token` (the admin token by default, none when null). */
  client<S extends DescService>(service: S, token?: string | null): Client<S>;
  close(): Promise<void>;
}

/** Opens a fresh database and serves the admin services over it. */
export async function startAdminHarness(): Promise<AdminHarness> {
  const database = await testDatabase();
  const db = await openDatabase({ databaseUrl: database.url });
  await bootstrapAdminToken(db, ADMIN_TOKEN);
  await ensureSigningKey(db);
  const snapshots = await startSnapshotCache({ db, logger: pino({ level: "silent" }) });
  const disconnected: string[] = [];
  const routes = (router: ConnectRouter) => registerAdminRoutes(router, {
    resources: createResourceStore(db),
    agents: createAgentStore(db),
    exchanges: createExchangeReader(db),
    reviews: createReviewStore(db, { pendingTtlMs: 3_600_000 }),
    issuer: createTokenIssuer(db),
    verifyAdminToken: createAdminTokenVerifier(db),
    disconnectAgent: async (name, why) => { disconnected.push(`${name}:${why}`); },
    auditDb: db,
    blocks: { store: createBlockStore(db), db },
  });
  return {
    db,
    snapshots,
    sink: createExchangeSink(db),
    disconnected,
    client(service, token = ADMIN_TOKEN) {
      const authorize: Interceptor = (next) => (request) => {
        if (token !== null) request.header.set("authorization", `Bearer ${token}`);
        return next(request);
      };
      return createClient(service, createRouterTransport(routes, { transport: { interceptors: [authorize] } }));
    },
    async close() {
      await snapshots.close();
      await db.close();
      await database.close();
    },
  };
}

// The admin API as routes: every service behind the authentication and role-check interceptor.
import type { ConnectRouter, Interceptor } from "@connectrpc/connect";
import { AuditLogService } from "../../gen/palisade/admin/v1/audit_log_service_pb.js";
import { AgentAdminService } from "../../gen/palisade/admin/v1/agent_admin_service_pb.js";
import { BlockService } from "../../gen/palisade/admin/v1/block_service_pb.js";
import { ConsoleService } from "../../gen/palisade/admin/v1/console_service_pb.js";
import { ResourceService } from "../../gen/palisade/admin/v1/resource_service_pb.js";
import { ReviewService } from "../../gen/palisade/admin/v1/review_service_pb.js";
import { SessionService } from "../../gen/palisade/admin/v1/session_service_pb.js";
import { TokenService } from "../../gen/palisade/admin/v1/token_service_pb.js";
import { adminAuditInterceptor } from "../audit/admin-audit.js";
import { createAuditLogService } from "../audit/audit-log-service.js";
import { adminAuthInterceptor } from "../auth/admin-auth.js";
import type { AdminTokenVerifier } from "../auth/admin-tokens.js";
import type { CallerAccessResolver } from "../auth/caller-access.js";
import type { BlockStore } from "../blocks/block-store.js";
import { createConsoleSessionAuth } from "../console/console-auth.js";
import { createConsoleService, type ConsoleServiceDeps } from "../console/console-service.js";
import { createReviewService } from "../reviews/review-service.js";
import type { ReviewStore } from "../reviews/review-store.js";
import type { AgentStore } from "../storage/agents.js";
import type { Database } from "../storage/database.js";
import type { ExchangeReader } from "../storage/exchanges.js";
import type { ResourceStore } from "../storage/resources/resource-store.js";
import { type SessionFeed, idleSessionFeed } from "../storage/session-feed.js";
import type { TokenIssuer } from "../tokens/token-issuer.js";
import { UsageService } from "../../gen/palisade/admin/v1/usage_service_pb.js";
import { createUsageService } from "../usage/usage-service.js";
import { BudgetService } from "../../gen/palisade/admin/v1/budget_service_pb.js";
import { createBudgetService } from "../budgets/budget-service.js";
import { createAgentAdminService } from "./agent-admin-service.js";
import { createBlockService } from "./block-service.js";
import { createResourceService } from "./resource-service.js";
import { createSessionService } from "./session-service.js";
import { createTokenService } from "./token-service.js";
import { invalid, nulAt } from "./input-checks.js";
import { requestValidation } from "./request-validation.js";

/** Everything the admin services work on. */
export interface AdminDeps {
  resources: ResourceStore;
  agents: AgentStore;
  exchanges: ExchangeReader;
  reviews: ReviewStore;
  /** Newly committed sessions for TailSessions; absent = tails hear nothing (test harnesses). */
  sessionFeed?: SessionFeed;
  issuer: TokenIssuer;
  verifyAdminToken: AdminTokenVerifier;
  /** Caller JWTs mapped to roles by RoleBindings; when absent only admin tokens are accepted. */
  callers?: CallerAccessResolver;
  /** Ends the open streams of a deleted agent, or of one whose token was replaced. */
  disconnectAgent(agentName: string, why: "deleted" | "rotated"): Promise<void>;
  /** The database whose audit chain records every mutating RPC. */
  auditDb: Database;
  /** The clock budgets are reported by (BudgetService); default the system's. */
  budgetClock?: () => Date;
  /** Whether agents share limit counters in a counter store (shown as Limits.counted_in). */
  counterStore?: boolean;
  /** Blocks and the alerts listing (BlockService); absent: the service is not served. */
  blocks?: { store: BlockStore; db: Database };
  /** The web console's sign-in (ConsoleService) and session cookies; absent: neither is served. */
  console?: Omit<ConsoleServiceDeps, "callers">;
}

// PostgreSQL text cannot hold NUL: a name or subject with one would fail in the database as an
// internal error. No field of the admin API has a use for it, so every request is checked once here.
const refuseNul: Interceptor = (next) => async (req) => {
  const at = req.stream ? undefined : nulAt(req.message, "request");
  if (at) throw invalid(`${at} contains a NUL character`);
  return next(req);
};

/** Registers the admin services on `router`, each behind the admin authentication and role checks. */
export function registerAdminRoutes(router: ConnectRouter, deps: AdminDeps): void {
  const consoleDeps = deps.console && { ...deps.console, callers: deps.callers };
  const options = { interceptors: [
    adminAuthInterceptor({
      verifyAdminToken: deps.verifyAdminToken,
      callers: deps.callers,
      consoleSessions: consoleDeps && createConsoleSessionAuth(consoleDeps),
    }),
    refuseNul,
    // The field rules of the contract (proto/ → protovalidate), before any handler runs.
    requestValidation,
    // Mutating RPCs leave an 'admin' entry in the audit chain, committed with their change.
    adminAuditInterceptor(deps.auditDb),
  ] };
  router.service(ResourceService, createResourceService(deps.resources, deps.counterStore === true), options);
  router.service(AgentAdminService, createAgentAdminService({ agents: deps.agents, disconnect: deps.disconnectAgent }), options);
  router.service(TokenService, createTokenService({ issuer: deps.issuer, resources: deps.resources }), options);
  router.service(AuditLogService, createAuditLogService(deps.auditDb), options);
  if (deps.blocks) router.service(BlockService, createBlockService({ blocks: deps.blocks.store, db: deps.blocks.db }), options);
  router.service(ReviewService, createReviewService(deps.reviews), options);
  router.service(UsageService, createUsageService(deps.auditDb), options);
  router.service(BudgetService, createBudgetService(deps.auditDb, deps.budgetClock), options);
  router.service(SessionService, createSessionService({ exchanges: deps.exchanges, feed: deps.sessionFeed ?? idleSessionFeed }), options);
  if (consoleDeps) router.service(ConsoleService, createConsoleService(consoleDeps), options);
}

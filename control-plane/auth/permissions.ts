// Who may call which admin RPC: the one table every decision is read from. An RPC missing here is
// refused to everyone (the coverage test lists every method of every admin service).
import { clone } from "@bufbuild/protobuf";
import { type GetSessionResponse, GetSessionResponseSchema } from "../../gen/palisade/admin/v1/session_service_pb.js";
import { type GetResourceResponse, GetResourceResponseSchema, type ListResourcesResponse, ListResourcesResponseSchema } from "../../gen/palisade/admin/v1/resource_service_pb.js";
import type { RoleName } from "../storage/resources/role-bindings.js";
import { withWebhookUrlsRedacted } from "./webhook-secrets.js";

/** What one RPC requires, and what its answer hides from some of the roles allowed to call it. */
export interface Permission {
  /** Roles that may call the RPC. */
  roles: readonly RoleName[];
  /**
   * Open beyond `roles`: "anyone" without credentials (signing in; the caller is "anonymous"),
   * "authenticated" to any valid credentials, with or without a role.
   */
  open?: "anyone" | "authenticated";
  /** When set, callers holding none of `contents.roles` get the answer through `contents.withhold`. */
  contents?: { roles: readonly RoleName[]; withhold(message: unknown): unknown };
}

const ADMIN: readonly RoleName[] = ["admin"];
const EVERY_ROLE: readonly RoleName[] = ["admin", "approver", "auditor", "viewer"];
// Decide reviews (who may decide which one is checked further in control-plane/reviews/review-access.ts).
const DECIDERS: readonly RoleName[] = ["admin", "approver"];
// Read reviews, prompts (masked as the agent sent them) included.
const REVIEW_READERS: readonly RoleName[] = ["admin", "approver", "auditor"];
// Prompt and response contents: admins and auditors only.
const CONTENT_READERS: readonly RoleName[] = ["admin", "auditor"];

/** Whether `roles` may read prompt and response contents (bodies, streamed chunks, free-text search). */
export function mayReadContents(roles: readonly RoleName[]): boolean {
  return roles.some((role) => CONTENT_READERS.includes(role));
}

/** A session answer with the request and response bodies (and the streamed writes) emptied. */
function withholdSessionBodies(message: unknown): unknown {
  const copy = clone(GetSessionResponseSchema, message as GetSessionResponse);
  const exchange = copy.session?.exchange;
  if (exchange) {
    exchange.requestBody = "";
    exchange.responseBody = "";
    exchange.responseChunks = [];
  }
  return copy;
}

/** The permission table, by fully-qualified service name and RPC name. */
export const PERMISSIONS: Readonly<Record<string, Readonly<Record<string, Permission>>>> = {
  "palisade.admin.v1.ResourceService": {
    Apply: { roles: ADMIN },
    // Webhook URLs (their secret paths) for admins only (webhook-secrets.ts).
    GetResource: { roles: EVERY_ROLE, contents: { roles: ADMIN, withhold: (message) => withWebhookUrlsRedacted(GetResourceResponseSchema, message as GetResourceResponse) } },
    ListResources: { roles: EVERY_ROLE, contents: { roles: ADMIN, withhold: (message) => withWebhookUrlsRedacted(ListResourcesResponseSchema, message as ListResourcesResponse) } },
    DeleteResource: { roles: ADMIN },
  },
  "palisade.admin.v1.AgentAdminService": {
    CreateAgent: { roles: ADMIN },
    GetAgent: { roles: EVERY_ROLE },
    ListAgents: { roles: EVERY_ROLE },
    DeleteAgent: { roles: ADMIN },
  },
  "palisade.admin.v1.TokenService": {
    CreateToken: { roles: ADMIN },
    RevokeToken: { roles: ADMIN },
  },
  // The audit chain's entries name subjects and sessions, never contents: admins and auditors.
  "palisade.admin.v1.AuditLogService": {
    VerifyLog: { roles: CONTENT_READERS },
    ExportLog: { roles: CONTENT_READERS },
    GetLogPublicKey: { roles: CONTENT_READERS },
    // Retires the checkpoint key; audited.
    RotateLogKey: { roles: ADMIN },
  },
  "palisade.admin.v1.SessionService": {
    // Listings and tails never carry bodies; their free text is refused to non-content readers.
    ListSessions: { roles: EVERY_ROLE },
    GetSession: { roles: EVERY_ROLE, contents: { roles: CONTENT_READERS, withhold: withholdSessionBodies } },
    TailSessions: { roles: EVERY_ROLE },
    // Returns a recorded request body to send again; audited.
    PrepareResend: { roles: ADMIN },
  },
  "palisade.admin.v1.BlockService": {
    ListBlocks: { roles: EVERY_ROLE },
    CreateBlock: { roles: ADMIN },
    DeleteBlock: { roles: ADMIN },
    ListAlerts: { roles: EVERY_ROLE },
  },
  "palisade.admin.v1.ReviewService": {
    ListReviews: { roles: REVIEW_READERS },
    GetReview: { roles: REVIEW_READERS },
    ApproveReview: { roles: DECIDERS },
    DenyReview: { roles: DECIDERS },
  },
  // Signing in to the web console (docs/console.md). GetCaller and SignOut need credentials but no
  // role: someone whose RoleBindings were removed still learns why the console shows nothing.
  "palisade.admin.v1.ConsoleService": {
    GetSignInOptions: { roles: [], open: "anyone" },
    SignIn: { roles: [], open: "anyone" },
    SignOut: { roles: [], open: "authenticated" },
    GetCaller: { roles: [], open: "authenticated" },
    // Links sign in as the admin token that made them (the service refuses caller JWTs).
    CreateSignInLink: { roles: ADMIN },
  },
  "palisade.admin.v1.UsageService": {
    // Sums of metadata (requests, tokens): no contents.
    GetUsage: { roles: EVERY_ROLE },
  },
  "palisade.admin.v1.BudgetService": {
    // Sums of metadata per scope, like usage.
    ListBudgetStatus: { roles: EVERY_ROLE },
  },
};

/** The permission of one RPC; undefined (nobody may call it) when the table does not list it. */
export function permissionFor(service: string, method: string): Permission | undefined {
  return PERMISSIONS[service]?.[method];
}

// Every RPC of every admin service, called by every role through the real interceptor: allowed or
// PERMISSION_DENIED exactly as the permission table says (docs/security.md).
import type { DescService } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentAdminService } from "../../gen/palisade/admin/v1/agent_admin_service_pb.js";
import { AuditLogService } from "../../gen/palisade/admin/v1/audit_log_service_pb.js";
import { BlockService } from "../../gen/palisade/admin/v1/block_service_pb.js";
import { ConsoleService } from "../../gen/palisade/admin/v1/console_service_pb.js";
import { ResourceService } from "../../gen/palisade/admin/v1/resource_service_pb.js";
import { ReviewService } from "../../gen/palisade/admin/v1/review_service_pb.js";
import { Kind } from "../../gen/palisade/admin/v1/resources_pb.js";
import { SessionService } from "../../gen/palisade/admin/v1/session_service_pb.js";
import { TokenService } from "../../gen/palisade/admin/v1/token_service_pb.js";
import { BudgetService } from "../../gen/palisade/admin/v1/budget_service_pb.js";
import { UsageService } from "../../gen/palisade/admin/v1/usage_service_pb.js";
import { permissionFor } from "../../control-plane/auth/permissions.js";
import { ADMIN_TOKEN, type AuthHarness, startAuthHarness } from "./auth-harness.js";
import { BINDINGS, gate, type GateOutcome, serviceAccount } from "./fixtures.js";

type Caller = "admin-token" | "admin" | "approver" | "auditor" | "viewer" | "no-role";
const CALLERS: Caller[] = ["admin-token", "admin", "approver", "auditor", "viewer", "no-role"];

interface Clients {
  resources: Client<typeof ResourceService>;
  agents: Client<typeof AgentAdminService>;
  tokens: Client<typeof TokenService>;
  sessions: Client<typeof SessionService>;
  blocks: Client<typeof BlockService>;
  reviews: Client<typeof ReviewService>;
  usage: Client<typeof UsageService>;
  budgets: Client<typeof BudgetService>;
  auditLog: Client<typeof AuditLogService>;
  console: Client<typeof ConsoleService>;
}

let unique = 0;
const next = () => `n${++unique}`;

// One call per RPC; `readers` are the roles (besides admin) that may make it.
const READ = ["approver", "auditor", "viewer"] as const;
// Open to every caller, with a role or without (signing in; who am I).
const ANY_CALLER = ["approver", "auditor", "viewer", "no-role"];

const RPCS: Array<{ service: DescService; method: string; readers: readonly string[]; call(c: Clients): Promise<unknown> }> = [
  { service: ResourceService, method: "Apply", readers: [], call: (c) => c.resources.apply({ resources: [serviceAccount(next())] }) },
  { service: ResourceService, method: "GetResource", readers: READ, call: (c) => c.resources.getResource({ kind: Kind.ROLE_BINDING, name: "admins" }) },
  { service: ResourceService, method: "ListResources", readers: READ, call: (c) => c.resources.listResources({ kind: Kind.ROLE_BINDING }) },
  { service: ResourceService, method: "DeleteResource", readers: [], call: (c) => c.resources.deleteResource({ kind: Kind.SERVICE_ACCOUNT, name: "absent" }) },
  { service: AgentAdminService, method: "CreateAgent", readers: [], call: (c) => c.agents.createAgent({ name: next() }) },
  { service: AgentAdminService, method: "GetAgent", readers: READ, call: (c) => c.agents.getAgent({ name: "absent" }) },
  { service: AgentAdminService, method: "ListAgents", readers: READ, call: (c) => c.agents.listAgents({}) },
  { service: AgentAdminService, method: "DeleteAgent", readers: [], call: (c) => c.agents.deleteAgent({ name: "absent" }) },
  { service: TokenService, method: "CreateToken", readers: [], call: (c) => c.tokens.createToken({ subject: "svc" }) },
  { service: TokenService, method: "RevokeToken", readers: [], call: (c) => c.tokens.revokeToken({ subject: "svc-revoked" }) },
  { service: SessionService, method: "ListSessions", readers: READ, call: (c) => c.sessions.listSessions({}) },
  { service: SessionService, method: "GetSession", readers: READ, call: (c) => c.sessions.getSession({ id: "absent" }) },
  { service: BlockService, method: "ListBlocks", readers: READ, call: (c) => c.blocks.listBlocks({}) },
  { service: BlockService, method: "CreateBlock", readers: [], call: (c) => c.blocks.createBlock({ subject: next() }) },
  { service: BlockService, method: "DeleteBlock", readers: [], call: (c) => c.blocks.deleteBlock({ subject: "absent" }) },
  { service: BlockService, method: "ListAlerts", readers: READ, call: (c) => c.blocks.listAlerts({}) },
  { service: ReviewService, method: "ListReviews", readers: ["approver", "auditor"], call: (c) => c.reviews.listReviews({}) },
  { service: ReviewService, method: "GetReview", readers: ["approver", "auditor"], call: (c) => c.reviews.getReview({ id: "absent" }) },
  { service: ReviewService, method: "ApproveReview", readers: ["approver"], call: (c) => c.reviews.approveReview({ id: "absent" }) },
  { service: UsageService, method: "GetUsage", readers: READ, call: (c) => c.usage.getUsage({}) },
  { service: BudgetService, method: "ListBudgetStatus", readers: READ, call: (c) => c.budgets.listBudgetStatus({}) },
  { service: ReviewService, method: "DenyReview", readers: ["approver"], call: (c) => c.reviews.denyReview({ id: "absent", reason: "no" }) },
  { service: SessionService, method: "TailSessions", readers: READ, call: (c) => firstOfTail(c) },
  { service: SessionService, method: "PrepareResend", readers: [], call: (c) => c.sessions.prepareResend({ id: "absent" }) },
  { service: AuditLogService, method: "VerifyLog", readers: ["auditor"], call: (c) => c.auditLog.verifyLog({}) },
  { service: AuditLogService, method: "ExportLog", readers: ["auditor"], call: (c) => drain(c.auditLog.exportLog({})) },
  { service: AuditLogService, method: "GetLogPublicKey", readers: ["auditor"], call: (c) => c.auditLog.getLogPublicKey({}) },
  { service: AuditLogService, method: "RotateLogKey", readers: [], call: (c) => c.auditLog.rotateLogKey({}) },
  { service: ConsoleService, method: "GetSignInOptions", readers: ANY_CALLER, call: (c) => c.console.getSignInOptions({}) },
  // No method given: INVALID_ARGUMENT, past the gate.
  { service: ConsoleService, method: "SignIn", readers: ANY_CALLER, call: (c) => c.console.signIn({}) },
  { service: ConsoleService, method: "SignOut", readers: ANY_CALLER, call: (c) => c.console.signOut({}) },
  { service: ConsoleService, method: "GetCaller", readers: ANY_CALLER, call: (c) => c.console.getCaller({}) },
  { service: ConsoleService, method: "CreateSignInLink", readers: [], call: (c) => c.console.createSignInLink({}) },
];

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream);
}

// A tail never ends, but its first response says it is subscribed: an allowed one gets that, a
// refused one fails before it.
async function firstOfTail(c: Clients): Promise<void> {
  const stop = new AbortController();
  try {
    for await (const _ of c.sessions.tailSessions({}, { signal: stop.signal })) break;
  } finally {
    stop.abort();
  }
}

function expected(caller: Caller, readers: readonly string[], method: string): GateOutcome {
  // Links sign in as an admin token: an admin's JWT is refused by the service itself.
  if (method === "CreateSignInLink") return caller === "admin-token" ? "allowed" : "denied";
  if (caller === "admin-token" || caller === "admin") return "allowed";
  return readers.includes(caller) ? "allowed" : "denied";
}

describe("the permission matrix", () => {
  let h: AuthHarness;
  const clients = new Map<Caller, Clients>();

  beforeAll(async () => {
    h = await startAuthHarness();
    const admin = h.client(ResourceService, ADMIN_TOKEN);
    await admin.apply({ resources: BINDINGS });
    await h.snapshots.refresh();
    const tokens: Record<Caller, string> = {
      "admin-token": ADMIN_TOKEN,
      admin: await h.token("ada", ["palisade-admins"]),
      approver: await h.token("april", ["approvers"]),
      auditor: await h.token("audrey"),
      viewer: await h.token("vic", ["viewers", "others"]),
      "no-role": await h.token("nobody", ["strangers"]),
    };
    for (const caller of CALLERS) {
      const token = tokens[caller];
      clients.set(caller, {
        resources: h.client(ResourceService, token),
        agents: h.client(AgentAdminService, token),
        tokens: h.client(TokenService, token),
        sessions: h.client(SessionService, token),
        blocks: h.client(BlockService, token),
        reviews: h.client(ReviewService, token),
        usage: h.client(UsageService, token),
        budgets: h.client(BudgetService, token),
        auditLog: h.client(AuditLogService, token),
        console: h.client(ConsoleService, token),
      });
    }
  });
  afterAll(async () => { await h?.close(); });

  it("covers every RPC of every admin service, and the table names each", () => {
    for (const service of [ResourceService, AgentAdminService, TokenService, SessionService, BlockService, ReviewService, UsageService, BudgetService, AuditLogService, ConsoleService]) {
      for (const method of service.methods) {
        expect(permissionFor(service.typeName, method.name), `${service.name}.${method.name}`).toBeDefined();
        expect(RPCS.some((rpc) => rpc.service === service && rpc.method === method.name), `${service.name}.${method.name} tested`).toBe(true);
      }
    }
  });

  const cases = RPCS.flatMap((rpc) => CALLERS.map((caller) => ({ rpc, caller, label: `${rpc.service.name}.${rpc.method}`, outcome: expected(caller, rpc.readers, rpc.method) })));
  it.each(cases)("$label by $caller: $outcome", async ({ rpc, caller, outcome }) => {
    const result = await gate(() => rpc.call(clients.get(caller)!));
    expect(result.outcome, result.error?.message).toBe(outcome);
    if (outcome === "denied" && caller === "admin") {
      expect(result.error!.rawMessage).toContain("sign-in links are made with an admin token");
    } else if (outcome === "denied") {
      const needed = permissionFor(rpc.service.typeName, rpc.method)!.roles.join(" or ");
      expect(result.error!.rawMessage).toContain(`${rpc.service.name}.${rpc.method} requires role ${needed}`);
      expect(result.error!.rawMessage).toMatch(caller === "no-role" ? /nobody holds no role/ : new RegExp(`holds only ${caller}`));
    }
  });
});

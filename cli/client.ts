// Admin API clients over the Connect protocol, authenticated with the admin token; over HTTPS,
// trusting the given CA file (else Node's roots).
import { readFileSync } from "node:fs";
import { Code, ConnectError, createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { AuditLogService } from "../gen/palisade/admin/v1/audit_log_service_pb.js";
import { AgentAdminService } from "../gen/palisade/admin/v1/agent_admin_service_pb.js";
import { BlockService } from "../gen/palisade/admin/v1/block_service_pb.js";
import { ConsoleService } from "../gen/palisade/admin/v1/console_service_pb.js";
import { ResourceService } from "../gen/palisade/admin/v1/resource_service_pb.js";
import { ReviewService } from "../gen/palisade/admin/v1/review_service_pb.js";
import { SessionService } from "../gen/palisade/admin/v1/session_service_pb.js";
import { TokenService } from "../gen/palisade/admin/v1/token_service_pb.js";
import { UsageService } from "../gen/palisade/admin/v1/usage_service_pb.js";
import { BudgetService } from "../gen/palisade/admin/v1/budget_service_pb.js";
import { CliError } from "./errors.js";

/** One client per admin service. */
export interface AdminClients {
  resources: Client<typeof ResourceService>;
  agents: Client<typeof AgentAdminService>;
  tokens: Client<typeof TokenService>;
  sessions: Client<typeof SessionService>;
  blocks: Client<typeof BlockService>;
  reviews: Client<typeof ReviewService>;
  auditLog: Client<typeof AuditLogService>;
  usage: Client<typeof UsageService>;
  console: Client<typeof ConsoleService>;
  budgets: Client<typeof BudgetService>;
}

/** Where the control plane is and how to authenticate to it. */
export interface AdminTarget {
  server: string;
  token: string | undefined;
  /** PEM CA bundle trusted for an https:// server; absent = Node's trusted roots. */
  caFile?: string;
}

/** Clients for every admin service over one transport. */
export function createAdminClients(transport: Transport): AdminClients {
  return {
    resources: createClient(ResourceService, transport),
    agents: createClient(AgentAdminService, transport),
    tokens: createClient(TokenService, transport),
    sessions: createClient(SessionService, transport),
    blocks: createClient(BlockService, transport),
    reviews: createClient(ReviewService, transport),
    auditLog: createClient(AuditLogService, transport),
    usage: createClient(UsageService, transport),
    console: createClient(ConsoleService, transport),
    budgets: createClient(BudgetService, transport),
  };
}

/**
 * A Connect transport to the control plane's one port. HTTP/1.1 because that port accepts it
 * for Connect (curl works the same way), and idle keep-alive sockets do not hold a CLI open.
 */
export function createAdminTransport(target: AdminTarget): Transport {
  const ca = target.caFile === undefined ? undefined : readCaFile(target.caFile);
  return createConnectTransport({
    baseUrl: target.server,
    httpVersion: "1.1",
    defaultTimeoutMs: 30_000,
    nodeOptions: ca === undefined ? {} : { ca },
    interceptors: [explainUntrusted(target.server), ...(target.token === undefined ? [] : [bearer(target.token)])],
  });
}

function readCaFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new CliError(`cannot read the CA file "${file}" of --ca-file or PALISADE_CA_FILE (${code})`);
  }
}

// Node's codes for a server certificate that does not verify (OpenSSL's verify results, and the
// host name check). The CA is the usual fix; a name mismatch needs another address instead.
const UNTRUSTED = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** Turns a failed certificate check into UNAVAILABLE with a message that says what to change. */
function explainUntrusted(server: string): Interceptor {
  return (next) => async (request) => {
    try {
      return await next(request);
    } catch (error) {
      const code = certificateErrorCode(error);
      if (code === undefined) throw error;
      const message =
        code === "ERR_TLS_CERT_ALTNAME_INVALID"
          ? `its TLS certificate does not name ${new URL(server).hostname} (${code}); use a --server address the certificate names`
          : `its TLS certificate is not trusted (${code}); pass the CA that signed it with --ca-file or PALISADE_CA_FILE`;
      throw new ConnectError(message, Code.Unavailable, undefined, undefined, error);
    }
  };
}

function certificateErrorCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === "string" && UNTRUSTED.has(code)) return code;
  }
  return undefined;
}

/** Sends the admin token on every call. */
function bearer(token: string): Interceptor {
  return (next) => (request) => {
    request.header.set("authorization", `Bearer ${token}`);
    return next(request);
  };
}

// Admin API clients over the Connect protocol, authenticated with the admin token.
import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { AgentAdminService } from "../gen/palisade/admin/v1/agent_admin_service_pb.js";
import { ResourceService } from "../gen/palisade/admin/v1/resource_service_pb.js";
import { SessionService } from "../gen/palisade/admin/v1/session_service_pb.js";
import { TokenService } from "../gen/palisade/admin/v1/token_service_pb.js";

/** One client per admin service. */
export interface AdminClients {
  resources: Client<typeof ResourceService>;
  agents: Client<typeof AgentAdminService>;
  tokens: Client<typeof TokenService>;
  sessions: Client<typeof SessionService>;
}

/** Where the control plane is and how to authenticate to it. */
export interface AdminTarget {
  server: string;
  token: string | undefined;
}

/** Clients for every admin service over one transport. */
export function createAdminClients(transport: Transport): AdminClients {
  return {
    resources: createClient(ResourceService, transport),
    agents: createClient(AgentAdminService, transport),
    tokens: createClient(TokenService, transport),
    sessions: createClient(SessionService, transport),
  };
}

/**
 * A Connect transport to the control plane's one port. HTTP/1.1 because that port accepts it
 * for Connect (curl works the same way), and idle keep-alive sockets do not hold a CLI open.
 */
export function createAdminTransport(target: AdminTarget): Transport {
  return createConnectTransport({
    baseUrl: target.server,
    httpVersion: "1.1",
    defaultTimeoutMs: 30_000,
    interceptors: target.token === undefined ? [] : [bearer(target.token)],
  });
}

/** Sends the admin token on every call. */
function bearer(token: string): Interceptor {
  return (next) => (request) => {
    request.header.set("authorization", `Bearer ${token}`);
    return next(request);
  };
}

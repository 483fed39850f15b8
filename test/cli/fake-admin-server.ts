// An in-memory admin API served over real HTTP (connect-node), so CLI tests exercise the real
// client, transport and auth header. It behaves like the control plane in what the CLI relies
// on: all-or-nothing Apply with created/updated/unchanged, write-only credentials, NOT_FOUND,
// ALREADY_EXISTS unless rotating, session filters and paging.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { clone, create, equals } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { AgentAdminService, AgentSchema, type Agent } from "../../gen/palisade/admin/v1/agent_admin_service_pb.js";
import { Outcome, ResourceService } from "../../gen/palisade/admin/v1/resource_service_pb.js";
import { Kind, Provider, ResourceSchema, type Resource } from "../../gen/palisade/admin/v1/resources_pb.js";
import { SessionService, type Session } from "../../gen/palisade/admin/v1/session_service_pb.js";
import { TokenService, type CreateTokenRequest } from "../../gen/palisade/admin/v1/token_service_pb.js";

export const FAKE_ADMIN_TOKEN = "pat_fake-admin-token";
const NAME = /^[a-z][a-z0-9-]{0,62}$/;

/** A running fake with its state open for assertions. */
export interface FakeAdmin {
  url: string;
  resources: Map<string, Resource>;
  agents: Map<string, Agent>;
  sessions: Session[];
  tokenRequests: CreateTokenRequest[];
  applyCalls: number;
  close(): Promise<void>;
}

/** Starts the fake on a free port. */
export async function startFakeAdmin(): Promise<FakeAdmin> {
  const state = {
    resources: new Map<string, Resource>(),
    agents: new Map<string, Agent>(),
    sessions: [] as Session[],
    tokenRequests: [] as CreateTokenRequest[],
    applyCalls: 0,
  };
  const server: Server = createServer(connectNodeAdapter({ routes: (router) => routes(router, state) }));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

type State = Omit<FakeAdmin, "url" | "close">;

function routes(router: ConnectRouter, state: State): void {
  router.service(ResourceService, {
    apply(request, context) {
      authorise(context);
      state.applyCalls++;
      for (const r of request.resources) validate(r);
      return {
        results: request.resources.map((incoming) => {
          const key = keyOf(incoming);
          const stored = state.resources.get(key);
          const next = clone(ResourceSchema, incoming);
          if (
            next.resource.case === "connection" &&
            !next.resource.value.credential &&
            stored?.resource.case === "connection"
          ) {
            next.resource.value.credential = stored.resource.value.credential;
          }
          const outcome =
            stored === undefined
              ? Outcome.CREATED
              : equals(ResourceSchema, stored, next)
                ? Outcome.UNCHANGED
                : Outcome.UPDATED;
          if (outcome !== Outcome.UNCHANGED) state.resources.set(key, next);
          return { kind: kindOf(next), name: nameOf(next), outcome };
        }),
      };
    },
    getResource(request, context) {
      authorise(context);
      const stored = state.resources.get(`${request.kind}/${request.name}`);
      if (stored === undefined)
        throw new ConnectError(`${Kind[request.kind]} ${request.name} not found`, Code.NotFound);
      return { resource: redact(stored) };
    },
    listResources(request, context) {
      authorise(context);
      const resources = [...state.resources.values()]
        .filter((r) => kindOf(r) === request.kind)
        .sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
      return { resources: resources.map(redact) };
    },
    deleteResource(request, context) {
      authorise(context);
      if (!state.resources.delete(`${request.kind}/${request.name}`))
        throw new ConnectError(`${request.name} not found`, Code.NotFound);
      return {};
    },
  });
  router.service(AgentAdminService, {
    createAgent(request, context) {
      authorise(context);
      if (state.agents.has(request.name) && !request.rotateToken)
        throw new ConnectError(`agent ${request.name} exists`, Code.AlreadyExists);
      const agent = create(AgentSchema, { name: request.name, segment: request.segment, createTime: timestampNow() });
      state.agents.set(request.name, agent);
      return { agent, token: `${request.name}.secret-${state.agents.size}` };
    },
    getAgent(request, context) {
      authorise(context);
      const agent = state.agents.get(request.name);
      if (agent === undefined) throw new ConnectError(`agent ${request.name} not found`, Code.NotFound);
      return { agent };
    },
    listAgents(_request, context) {
      authorise(context);
      return { agents: [...state.agents.values()] };
    },
    deleteAgent(request, context) {
      authorise(context);
      if (!state.agents.delete(request.name)) throw new ConnectError(`agent ${request.name} not found`, Code.NotFound);
      return {};
    },
  });
  router.service(TokenService, {
    createToken(request, context) {
      authorise(context);
      if (request.subject === "") throw new ConnectError("subject is required", Code.InvalidArgument);
      state.tokenRequests.push(request);
      return {
        token: `eyJ.${Buffer.from(request.subject).toString("base64url")}.sig`,
        issuer: "urn:palisade:service-accounts",
      };
    },
  });
  router.service(SessionService, {
    listSessions(request, context) {
      authorise(context);
      const matching = state.sessions.filter(
        (s) =>
          (request.subject === "" || s.exchange?.identity?.subject === request.subject) &&
          (request.connection === "" || s.exchange?.connection === request.connection),
      );
      const start = Number(request.pageToken || "0");
      const size = request.pageSize || 50;
      const end = start + size;
      return { sessions: matching.slice(start, end), nextPageToken: end < matching.length ? String(end) : "" };
    },
    getSession(request, context) {
      authorise(context);
      const session = state.sessions.find((s) => s.exchange?.id === request.id);
      if (session === undefined) throw new ConnectError(`session ${request.id} not found`, Code.NotFound);
      return { session };
    },
  });
}

function authorise(context: HandlerContext): void {
  if (context.requestHeader.get("authorization") !== `Bearer ${FAKE_ADMIN_TOKEN}`) {
    throw new ConnectError("missing or invalid admin token", Code.Unauthenticated);
  }
}

function validate(r: Resource): void {
  if (!NAME.test(nameOf(r))) throw new ConnectError(`invalid name "${nameOf(r)}"`, Code.InvalidArgument);
  if (r.resource.case === "connection" && r.resource.value.provider === Provider.UNSPECIFIED) {
    throw new ConnectError(`connection ${r.resource.value.name}: provider is required`, Code.InvalidArgument);
  }
}

function redact(r: Resource): Resource {
  const copy = clone(ResourceSchema, r);
  if (copy.resource.case === "connection") {
    copy.resource.value.credentialSet = copy.resource.value.credential !== undefined;
    copy.resource.value.credential = undefined;
  }
  return copy;
}

function kindOf(r: Resource): Kind {
  return r.resource.case === "connection"
    ? Kind.CONNECTION
    : r.resource.case === "identityProvider"
      ? Kind.IDENTITY_PROVIDER
      : Kind.SERVICE_ACCOUNT;
}

function nameOf(r: Resource): string {
  return r.resource.value?.name ?? "";
}

function keyOf(r: Resource): string {
  return `${kindOf(r)}/${nameOf(r)}`;
}

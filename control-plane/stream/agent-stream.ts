// The `palisade.agent.v1.AgentService` implementation: authenticates each Connect stream, runs it
// as an agent session, and keeps the open sessions so an agent's deletion or the control plane's
// shutdown can end them with a status the agent understands.
// Imported, not read from a path: the compiled build (dist/) sits one level deeper than the sources.
import pkg from "../../package.json" with { type: "json" };
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import type { Logger } from "pino";
import type { AgentService, ConnectRequest } from "../../gen/palisade/agent/v1/agent_pb.js";
import { openAgentSession, type AgentSession } from "./agent-session.js";
import type { AgentRegistry, EnrolledAgent, ExchangeSink, ReviewSink, SnapshotSource } from "./ports.js";

/** Collaborators and settings of {@link createAgentStream}. */
export interface AgentStreamDeps {
  registry: AgentRegistry;
  snapshots: SnapshotSource;
  exchanges: ExchangeSink;
  /** Review requests from agents; absent: refused in the ReviewAck. */
  reviews?: ReviewSink;
  logger: Logger;
  /** How often each side sends a Heartbeat; default 10 s. */
  heartbeatIntervalMs?: number;
  /** Reported in Welcome; default the package version. */
  controlPlaneVersion?: string;
  /** How long an authenticated stream may stay open without a Hello; default 10 s. */
  helloTimeoutMs?: number;
}

/** The agent stream service and the controls over its open streams. */
export interface AgentStream {
  /** Register with `router.service(AgentService, service)`. */
  service: ServiceImpl<typeof AgentService>;
  /** Ends every open stream of the agent with PERMISSION_DENIED (the agent was deleted). */
  disconnect(agentName: string): void;
  /** Ends every open stream with UNAVAILABLE and refuses new ones, so agents reconnect elsewhere. */
  close(): void;
}

/** Builds the Connect stream handler over the registry, snapshot source and exchange sink. */
export function createAgentStream(deps: AgentStreamDeps): AgentStream {
  const sessionDeps = {
    ...deps,
    heartbeatIntervalMs: deps.heartbeatIntervalMs ?? 10_000,
    helloTimeoutMs: deps.helloTimeoutMs ?? 10_000,
    controlPlaneVersion: deps.controlPlaneVersion ?? packageVersion(),
  };
  const open = new Map<string, Set<AgentSession>>();
  let closing = false;

  async function authenticate(context: HandlerContext): Promise<EnrolledAgent> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(context.requestHeader.get("authorization") ?? "");
    if (!match) throw new ConnectError("missing bearer token", Code.Unauthenticated);
    let agent: EnrolledAgent | undefined;
    try {
      agent = await deps.registry.authenticate(match[1]!);
    } catch (err) {
      deps.logger.error({ err }, "agent authentication failed");
      throw new ConnectError("cannot check the token now", Code.Unavailable);
    }
    if (!agent) throw new ConnectError("unknown enrolment token", Code.Unauthenticated);
    return agent;
  }

  function track(session: AgentSession): void {
    const name = session.agent.name;
    const sessions = open.get(name) ?? new Set<AgentSession>();
    open.set(name, sessions);
    sessions.add(session);
    void session.closed.then(async () => {
      sessions.delete(session);
      if (sessions.size === 0) open.delete(name);
      // Keyed by stream: when the instance already reconnected (here or to another replica), this
      // changes nothing.
      const key = session.key;
      if (!key) return; // never said Hello: nothing was recorded
      try {
        await deps.registry.disconnected(key);
      } catch (err) {
        deps.logger.warn({ err, agent: name, instance: key.instance }, "registry.disconnected failed");
      }
    });
  }

  const service: ServiceImpl<typeof AgentService> = {
    async *connect(requests: AsyncIterable<ConnectRequest>, context: HandlerContext) {
      if (closing) throw shuttingDown();
      const agent = await authenticate(context);
      if (closing) throw shuttingDown();
      const session = openAgentSession(sessionDeps, agent, requests, context.signal);
      track(session);
      yield* session.responses;
    },
  };

  return {
    service,
    disconnect(agentName) {
      for (const session of open.get(agentName) ?? []) {
        session.end(new ConnectError("agent deleted", Code.PermissionDenied));
      }
    },
    close() {
      closing = true;
      for (const sessions of open.values()) {
        for (const session of sessions) session.end(shuttingDown());
      }
    },
  };
}

function shuttingDown(): ConnectError {
  return new ConnectError("control plane shutting down", Code.Unavailable);
}

function packageVersion(): string {
  return pkg.version;
}

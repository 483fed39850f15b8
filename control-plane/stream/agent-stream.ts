// The `palisade.agent.v1.AgentService` implementation: authenticates each Connect stream, runs it
// as an agent session, and keeps the open sessions so an agent's deletion or token rotation, or the
// control plane's shutdown, can end them with a status the agent understands.
// Imported, not read from a path: the compiled build (dist/) sits one level deeper than the sources.
import pkg from "../../package.json" with { type: "json" };
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import type { Logger } from "pino";
import type { AgentService, ConnectRequest } from "../../gen/palisade/agent/v1/agent_pb.js";
import { openAgentSession, type AgentSession } from "./agent-session.js";
import type { AgentRevocation } from "../snapshot/agent-revocations.js";
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
  /**
   * Ends the agent's open streams: every one with PERMISSION_DENIED when it was deleted; when its
   * token was replaced, each opened with a token that no longer authenticates, UNAUTHENTICATED
   * (either way the agent drops its snapshot, credentials included). A stream already opened with
   * the new token stays. Resolves once each stream is ended or kept.
   */
  disconnect(agentName: string, why: AgentRevocation): Promise<void>;
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
  // The enrolment token each stream authenticated with, checked again when the agent's token is replaced.
  const tokens = new WeakMap<AgentSession, string>();
  let closing = false;

  /** The bearer token of the stream's request. */
  function tokenOf(context: HandlerContext): string {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(context.requestHeader.get("authorization") ?? "");
    if (!match) throw new ConnectError("missing bearer token", Code.Unauthenticated);
    return match[1]!;
  }

  async function authenticate(token: string): Promise<EnrolledAgent> {
    let agent: EnrolledAgent | undefined;
    try {
      agent = await deps.registry.authenticate(token);
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
      const token = tokenOf(context);
      const agent = await authenticate(token);
      if (closing) throw shuttingDown();
      const session = openAgentSession(sessionDeps, agent, requests, context.signal);
      tokens.set(session, token);
      track(session);
      // A rotation or deletion committed after the check above and before track() ended no stream
      // of this one (disconnect() did not see it): checked again now that it is tracked, before
      // anything is sent. Any later one finds it tracked.
      let still: EnrolledAgent | undefined;
      try {
        still = await authenticate(token);
      } catch (error) {
        session.end(error instanceof ConnectError ? error : new ConnectError("cannot check the token now", Code.Unavailable));
      }
      if (still && (still.name !== agent.name || still.segment !== agent.segment)) session.end(new ConnectError("enrolment changed while the stream opened", Code.Unauthenticated));
      yield* session.responses;
    },
  };

  return {
    service,
    async disconnect(agentName, why) {
      const sessions = [...(open.get(agentName) ?? [])];
      if (why === "deleted") {
        for (const session of sessions) session.end(new ConnectError("agent deleted", Code.PermissionDenied));
        return;
      }
      // A rotation ends the streams of the old token, not one the agent already reopened with the
      // new token (a prompt restart would otherwise be cut off and refuse traffic until its next
      // retry). Each stream's own token is asked again; one that cannot be checked now ends too
      // (UNAVAILABLE: the agent reconnects and is checked then).
      await Promise.all(sessions.map(async (session) => {
        try {
          const still = await deps.registry.authenticate(tokens.get(session) ?? "");
          if (still?.name === session.agent.name && still.segment === session.agent.segment) return;
          session.end(new ConnectError("enrolment token replaced", Code.Unauthenticated));
        } catch (err) {
          deps.logger.warn({ err, agent: agentName }, "cannot check a stream's token after a rotation: ending it");
          session.end(new ConnectError("cannot check the token now", Code.Unavailable));
        }
      }));
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

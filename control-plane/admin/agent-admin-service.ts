// palisade.admin.v1.AgentAdminService: enrolment and state of agents.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { type Agent, AgentAdminService, AgentSchema } from "../../gen/palisade/admin/v1/agent_admin_service_pb.js";
import { adminActor } from "../auth/admin-auth.js";
import { AgentExistsError, type AgentStore, type StoredAgent } from "../storage/agents.js";
import { retryableConflicts } from "./storage-errors.js";
import { checkName } from "./validation.js";

/** Collaborators of the agent admin service. */
export interface AgentAdminDeps {
  agents: AgentStore;
  /** Ends the open streams of a deleted agent. */
  disconnect(agentName: string): void;
  /**
   * An agent not heard from for this long is shown as disconnected even if its row says connected:
   * a replica that crashed never recorded the end of its streams. Default 30 s (three heartbeats).
   */
  staleAfterMs?: number;
}

const defaultStaleAfterMs = 30_000;

function agentMessage(agent: StoredAgent, staleAfterMs: number): Agent {
  const fresh = agent.lastSeen !== undefined && agent.lastSeen !== null && Date.now() - agent.lastSeen.getTime() <= staleAfterMs;
  return create(AgentSchema, {
    name: agent.name,
    segment: agent.segment,
    connected: agent.connected && fresh,
    version: agent.version,
    appliedVersion: agent.appliedVersion,
    lastError: agent.lastError,
    lastSeenTime: agent.lastSeen ? timestampFromDate(agent.lastSeen) : undefined,
    createTime: timestampFromDate(agent.createdAt),
  });
}

/** The AgentAdminService implementation. */
export function createAgentAdminService(deps: AgentAdminDeps): ServiceImpl<typeof AgentAdminService> {
  const staleAfterMs = deps.staleAfterMs ?? defaultStaleAfterMs;
  const toMessage = (agent: StoredAgent) => agentMessage(agent, staleAfterMs);
  return {
    async createAgent(request, context) {
      checkName("agent", request.name);
      if (request.segment) checkName(`agent "${request.name}": segment`, request.segment);
      try {
        const { agent, token } = await retryableConflicts(`agent "${request.name}"`,
          () => deps.agents.enrol(request.name, request.segment, request.rotateToken, adminActor(context)));
        return { agent: toMessage(agent), token };
      } catch (error) {
        if (error instanceof AgentExistsError) {
          throw new ConnectError(`agent "${request.name}" already exists (set rotate_token to issue a new token)`, Code.AlreadyExists);
        }
        throw error;
      }
    },
    async getAgent(request) {
      const agent = await deps.agents.get(request.name);
      if (!agent) throw new ConnectError(`agent "${request.name}" not found`, Code.NotFound);
      return { agent: toMessage(agent) };
    },
    async listAgents() {
      return { agents: (await deps.agents.list()).map(toMessage) };
    },
    async deleteAgent(request, context) {
      if (!(await deps.agents.remove(request.name, adminActor(context)))) {
        throw new ConnectError(`agent "${request.name}" not found`, Code.NotFound);
      }
      deps.disconnect(request.name);
      return {};
    },
  };
}

// palisade.admin.v1.AgentAdminService: enrolment and state of agents and their instances.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import {
  type Agent, type AgentAdminService, AgentInstanceSchema, AgentSchema,
} from "../../gen/palisade/admin/v1/agent_admin_service_pb.js";
import { adminActor } from "../auth/admin-auth.js";
import { type StoredInstance, summarise } from "../storage/agent-instances.js";
import { AgentExistsError, type AgentStore, type StoredAgent } from "../storage/agents.js";
import { retryableConflicts } from "./storage-errors.js";

/** Collaborators of the agent admin service. */
export interface AgentAdminDeps {
  /** Agents with their instances (stale ones already shown as disconnected, aged-out ones left out). */
  agents: AgentStore;
  /** Ends the open streams of a deleted agent, or of one whose token was replaced. */
  disconnect(agentName: string, why: "deleted" | "rotated"): Promise<void>;
}

function instanceMessage(instance: StoredInstance) {
  return create(AgentInstanceSchema, {
    instance: instance.instance,
    connected: instance.connected,
    version: instance.version,
    appliedVersion: instance.appliedVersion,
    lastError: instance.lastError,
    connectTime: timestampFromDate(instance.connectTime),
    lastSeenTime: timestampFromDate(instance.lastSeen),
  });
}

function agentMessage(agent: StoredAgent): Agent {
  const summary = summarise(agent.instances);
  return create(AgentSchema, {
    name: agent.name,
    segment: agent.segment,
    connected: summary.connected,
    version: summary.version,
    appliedVersion: summary.appliedVersion,
    lastError: summary.lastError,
    lastSeenTime: summary.lastSeen ? timestampFromDate(summary.lastSeen) : undefined,
    createTime: timestampFromDate(agent.createdAt),
    connectedInstances: summary.connectedInstances,
    instances: agent.instances.map(instanceMessage),
  });
}

/** The AgentAdminService implementation. */
export function createAgentAdminService(deps: AgentAdminDeps): ServiceImpl<typeof AgentAdminService> {
  return {
    async createAgent(request, context) {
      try {
        const { agent, token } = await retryableConflicts(`agent "${request.name}"`,
          () => deps.agents.enrol(request.name, request.segment, request.rotateToken, adminActor(context)));
        // Streams opened with the old token end here at once (other replicas: agent-revocations.ts).
        if (request.rotateToken) await deps.disconnect(request.name, "rotated");
        return { agent: agentMessage(agent), token };
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
      return { agent: agentMessage(agent) };
    },
    async listAgents() {
      return { agents: (await deps.agents.list()).map(agentMessage) };
    },
    async deleteAgent(request, context) {
      if (!(await deps.agents.remove(request.name, adminActor(context)))) {
        throw new ConnectError(`agent "${request.name}" not found`, Code.NotFound);
      }
      await deps.disconnect(request.name, "deleted");
      return {};
    },
  };
}

// Policy tests' set-up: the agent test bed (stand-in provider, fake control plane, real agent) plus
// a way to replace the snapshot's policies and connections' allowed groups and wait for the ACK.
import Anthropic from "@anthropic-ai/sdk";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import type { SnapshotAck } from "../../gen/palisade/agent/v1/agent_pb.js";
import { PolicyAction, PolicySchema, SnapshotSchema } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import type { Exchange } from "../../gen/palisade/agent/v1/exchange_pb.js";
import { eventually } from "../support/eventually.js";
import { startTestBed, testSnapshot, type TestBed } from "../agent/test-bed.js";

/** A policy as the snapshot carries it; `connections` defaults to `*` and `action` to allow. */
export type PolicyInit = MessageInitShape<typeof PolicySchema> & { name: string };

export interface PolicyBed extends TestBed {
  /** Pushes a snapshot with these policies (and optional allowed groups per connection) and waits for its ACK. */
  use(policies: PolicyInit[], allowedGroups?: Record<string, string[]>): Promise<void>;
  /** Pushes a snapshot with these policies and returns the agent's answer (ACK or NACK). */
  push(policies: PolicyInit[]): Promise<SnapshotAck>;
  /** The exchange recorded under a session id, once the control plane has it. */
  recorded(session: string | null | undefined): Promise<Exchange>;
  /** An Anthropic client for the `claude` connection through the agent. */
  anthropic(apiKey?: string): Promise<Anthropic>;
}

/** Starts a policy bed. */
export async function startPolicyBed(): Promise<PolicyBed> {
  const bed = await startTestBed();
  let version = 100;

  async function push(policies: PolicyInit[], allowedGroups: Record<string, string[]> = {}): Promise<SnapshotAck> {
    version++;
    const snapshot = create(SnapshotSchema, {
      ...testSnapshot(bed.provider.url, bed.issuer.jwk, String(version)),
      policies: policies.map((policy) => create(PolicySchema, { connections: ["*"], action: PolicyAction.ALLOW, ...policy })),
    });
    for (const connection of snapshot.connections) connection.allowedGroups = allowedGroups[connection.name] ?? [];
    const acks = bed.controlPlane.acks.length;
    bed.controlPlane.push(snapshot);
    return eventually(`answer to snapshot ${version}`, () => bed.controlPlane.acks.slice(acks).find((ack) => ack.nonce !== "" && (ack.version === String(version) || ack.error !== "")));
  }

  return {
    ...bed,
    push,
    async use(policies, allowedGroups) {
      const ack = await push(policies, allowedGroups);
      if (ack.error) throw new Error(`snapshot NACKed: ${ack.error}`);
    },
    recorded: (session) => eventually(`exchange ${session}`, () => bed.controlPlane.exchanges.get(session ?? "")),
    async anthropic(apiKey) {
      return new Anthropic({ baseURL: `${bed.agent.url}/claude`, apiKey: apiKey ?? (await bed.issuer.token()), maxRetries: 0 });
    },
  };
}

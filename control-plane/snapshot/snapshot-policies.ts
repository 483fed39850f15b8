// Policies as agents receive them: the admin Policy's fields flattened into the agent's message.
// Every segment gets every policy; a policy applies by connection name, and an agent ignores
// names it does not serve.
import { create } from "@bufbuild/protobuf";
import type { EntityManager } from "@mikro-orm/sql";
import type { Policy as AdminPolicy } from "../../gen/palisade/admin/v1/resources_pb.js";
import {
  type KeywordMatch, type LimitScope, type MaskDirection, type MaskStyle, type Policy, type PolicyAction, PolicySchema, type RecordMode, type StoreDownAction,
} from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { PolicyRow } from "../storage/entities.js";
import { policyFromRow } from "../storage/resources/policies.js";

/** The agent's form of an admin policy. */
export function agentPolicy(policy: AdminPolicy): Policy {
  return create(PolicySchema, {
    name: policy.name,
    priority: policy.priority,
    connections: [...policy.connections],
    when: policy.when,
    keywords: [...(policy.match?.keywords ?? [])],
    patterns: [...(policy.match?.patterns ?? [])],
    // Numbered alike in both protos.
    keywordMatch: (policy.match?.keywordMatch ?? 0) as number as KeywordMatch,
    // The admin and agent protos number their PolicyAction values alike.
    action: policy.action as number as PolicyAction,
    reason: policy.reason,
    requestsPerMinute: policy.limits?.requestsPerMinute ?? 0,
    tokensPerHour: policy.limits?.tokensPerHour ?? 0n,
    // Numbered alike in both protos too.
    limitScope: (policy.limits?.scope ?? 0) as number as LimitScope,
    onStoreDown: (policy.limits?.onStoreDown ?? 0) as number as StoreDownAction,
    detectors: [...policy.detectors],
    maskPatterns: [...policy.maskPatterns],
    maskWords: [...policy.maskWords],
    phoneRegion: policy.phoneRegion,
    allowBinary: policy.allowBinary,
    // Like PolicyAction, these enums are numbered alike in both protos.
    direction: policy.direction as number as MaskDirection,
    style: policy.style as number as MaskStyle,
    restore: policy.restore,
    record: policy.record as number as RecordMode,
    approvers: [...policy.approvers],
    // Unset stays unset: the agent applies the defaults (agent/policy/protection-rules.ts). The
    // webhook is not sent: the control plane notifies, agents never need it.
    wait: policy.wait,
    grant: policy.grant,
  });
}

/** Every stored policy in the agent's form, ordered by name (agents sort by priority themselves). */
export async function readSnapshotPolicies(tx: EntityManager): Promise<Policy[]> {
  const rows = await tx.find(PolicyRow, {}, { orderBy: { name: "asc" } });
  return rows.map((row) => agentPolicy(policyFromRow(row)));
}

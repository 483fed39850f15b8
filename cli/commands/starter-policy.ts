// The policy `palisade up` applies to a fresh installation. Agents deny whatever no policy allows,
// so without it the quickstart's first request would get 403; it is applied only while no policy
// exists at all, so an operator who replaces (or deletes) it is never overruled.
import { create } from "@bufbuild/protobuf";
import { Kind, PolicyAction, PolicySchema, ResourceSchema, type Resource } from "../../gen/palisade/admin/v1/resources_pb.js";
import type { AdminClients } from "../client.js";

/** The starter policy's name. */
export const STARTER_POLICY = "allow-authenticated";

/** The starter policy: every authenticated caller may use every connection. */
export function starterPolicy(): Resource {
  const policy = create(PolicySchema, {
    name: STARTER_POLICY,
    priority: 0,
    connections: ["*"],
    action: PolicyAction.ALLOW,
    description:
      "Created by palisade up: lets every authenticated caller use every connection. " +
      "Replace it with policies of your own (docs/policies.md), then delete it.",
  });
  return create(ResourceSchema, { resource: { case: "policy", value: policy } });
}

/** What `up` found and did about policies. */
export interface PolicyState {
  /** Policies stored after the check. */
  count: number;
  /** Whether the starter policy was applied by this start. */
  starterApplied: boolean;
}

/** Applies the starter policy when no policy exists; says how many there are afterwards. */
export async function ensureStarterPolicy(clients: AdminClients): Promise<PolicyState> {
  const { resources } = await clients.resources.listResources({ kind: Kind.POLICY });
  if (resources.length > 0) return { count: resources.length, starterApplied: false };
  await clients.resources.apply({ resources: [starterPolicy()] });
  return { count: 1, starterApplied: true };
}

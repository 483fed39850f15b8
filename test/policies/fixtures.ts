// Policies and connections as admin API resources, for the policy suites.
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import {
  ConnectionSchema, PolicyAction, PolicySchema, Provider, ResourceSchema, type Resource,
} from "../../gen/palisade/admin/v1/resources_pb.js";

/** A Policy resource named `name`; `init` replaces fields (default: allow on every connection). */
export function policy(name: string, init: MessageInitShape<typeof PolicySchema> = {}): Resource {
  const value = create(PolicySchema, { name, connections: ["*"], action: PolicyAction.ALLOW, ...init });
  return create(ResourceSchema, { resource: { case: "policy", value } });
}

/** An OpenAI Connection resource named `name` with a credential. */
export function connection(name: string): Resource {
  const value = create(ConnectionSchema, {
    name, provider: Provider.OPENAI, upstream: "https://api.example.com",
    credential: { header: "authorization", value: "Bearer sk-test" },
  });
  return create(ResourceSchema, { resource: { case: "connection", value } });
}

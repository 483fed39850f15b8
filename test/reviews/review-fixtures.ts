// Review requests as an agent would send them, for the control-plane review suites.
import { createHash, randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { type ReviewRequest, ReviewRequestSchema } from "../../gen/palisade/agent/v1/agent_pb.js";
import { type Resource, ResourceSchema, PolicyAction } from "../../gen/palisade/admin/v1/resources_pb.js";

/** A review request from `subject` (issuer `issuer`) under `policy`, held for `holdMs`. */
export function reviewRequest(options: { subject: string; issuer: string; policy?: string; holdMs?: number; prompt?: string; groups?: string[] }): ReviewRequest {
  const id = randomUUID();
  return create(ReviewRequestSchema, {
    id,
    session: randomUUID(),
    policy: options.policy ?? "needs-review",
    connection: "standin",
    identity: { subject: options.subject, issuer: options.issuer, email: `${options.subject}@example.com`, groups: options.groups ?? [] },
    model: "gpt-test",
    contentHash: createHash("sha256").update(id).digest("hex"),
    prompt: options.prompt ?? "please look at <EMAIL_1>",
    holdUntil: timestampFromMs(Date.now() + (options.holdMs ?? 30_000)),
  });
}

/** A review policy resource (approver groups as given). */
export function reviewPolicy(name = "needs-review", approvers: string[] = ["no-one-in-these-tests"]): Resource {
  return create(ResourceSchema, {
    resource: { case: "policy", value: { name, connections: ["*"], action: PolicyAction.REVIEW, approvers, reason: "needs a human" } },
  });
}

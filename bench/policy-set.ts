// A synthetic policy set for the policy benchmarks: a mix of CEL conditions, keyword lists and
// patterns that a typical request matches none of, above one low-priority allow-all, so a request
// walks every policy (the worst case) and is then allowed.
import { create } from "@bufbuild/protobuf";
import { PolicyAction, PolicySchema, type Policy } from "../gen/palisade/agent/v1/snapshot_pb.js";
import type { RequestContext } from "../agent/policy/activation.js";

/** One policy of the mix, as resource fields (shared by the agent-side and the apply benchmarks). */
export interface PolicyFields {
  name: string;
  priority: number;
  when: string;
  keywords: string[];
  patterns: string[];
  action: PolicyAction;
  reason: string;
}

/** `count` policies: count - 1 of the mix and `allow-all` at the lowest priority. */
export function policyMix(count: number): PolicyFields[] {
  const policies: PolicyFields[] = [];
  for (let i = 0; i < count - 1; i++) {
    const base = { name: `policy-${i}`, priority: (i * 7919) % 1000, when: "", keywords: [] as string[], patterns: [] as string[], action: PolicyAction.DENY, reason: `rule ${i}` };
    switch (i % 4) {
      case 0:
        policies.push({ ...base, when: `"team-${i}" in identity.groups && request.model.startsWith("gpt-4")` });
        break;
      case 1:
        policies.push({ ...base, keywords: [`codeword-${i}`, `project ${i} secret`] });
        break;
      case 2:
        policies.push({ ...base, patterns: [`\\bticket-${i}-\\d{4}\\b`] });
        break;
      default:
        policies.push({ ...base, when: `("x-team" in request.headers && request.headers["x-team"] == "team-${i}") || identity.email.endsWith("@blocked-${i}.example")` });
    }
  }
  policies.push({ name: "allow-all", priority: -1, when: "", keywords: [], patterns: [], action: PolicyAction.ALLOW, reason: "" });
  return policies;
}

/** The mix as snapshot policies for connection `*`. */
export function snapshotPolicies(count: number): Policy[] {
  return policyMix(count).map((fields) => create(PolicySchema, { ...fields, connections: ["*"] }));
}

const paragraph =
  "Please review the following quarterly report and summarise the main risks for the board. " +
  "Revenue grew in every region except the north, where two large customers renewed late. ";

/** A request like an SDK's: a system prompt and a ~2 KB user message, no policy of the mix matching. */
export function benchRequest(now: number): RequestContext {
  return {
    identity: { subject: "bench-user", email: "bench@example.test", groups: ["eng", "staff"], issuer: "urn:bench", claims: { sub: "bench-user", tier: "gold", groups: ["eng", "staff"] } },
    request: {
      model: "gpt-4o-mini",
      method: "POST",
      path: "/v1/chat/completions",
      stream: false,
      headers: { "content-type": "application/json", "user-agent": "OpenAI/JS 7.55.0", "x-team": "blue" },
      prompt: `You are a careful analyst.\n${paragraph.repeat(12)}`,
    },
    connection: { name: "openai", provider: "openai" },
    now,
  };
}

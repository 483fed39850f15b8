// Turns a snapshot's policies into the form the hot path evaluates: conditions planned, content
// rules compiled, sorted by priority (higher first) then name, and grouped per connection so a
// request only walks the policies that can apply to it.
import { LimitScope, MaskDirection, MaskStyle, PolicyAction, PolicySchema, StoreDownAction, type Policy } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { unknownSettings } from "../../core/protobuf/unknown-settings.js";
import { BUILTIN_DETECTORS } from "../../core/detectors/compile-detectors.js";
import { compileCondition, ConditionError, type Condition } from "../../core/policy/condition.js";
import { ContentIndex } from "./content-index.js";
import { compileContentMatch, type ContentRules } from "./content-match.js";
import { KEYWORD_MODES } from "./keyword-match.js";
import {
  compileMaskRule, compileReviewRule, type MaskRule, recordChoice, type RecordChoice, type ReviewRule,
} from "../../core/policy/protection-rules.js";

/** What the deployment sets for every snapshot it compiles. */
export interface CompileOptions {
  /** Regions whose national phone numbers mask policies find when they name none (absent: the detectors' default, US). */
  phoneRegions?: readonly string[];
}

/** Per-identity limits of one policy; 0 means none. */
export interface PolicyLimits {
  requestsPerMinute: number;
  tokensPerHour: number;
  /** "local": counted by this agent alone even with a counter store; absent: global when there is one. */
  scope?: "global" | "local";
  /** "local": counted here while the counter store is unreachable; absent: such requests are refused (503). */
  onStoreDown?: "deny" | "local";
}

/** What a matching policy decides; "mask" and "none" are not decisive (evaluation goes on). */
export type PolicyDecision = "allow" | "deny" | "review" | "mask" | "none";

/** One policy ready for evaluation. */
export interface CompiledPolicy {
  name: string;
  priority: number;
  decision: PolicyDecision;
  reason: string;
  /** Undefined when the policy has no `when` (always true). */
  condition?: Condition;
  /** Undefined when the policy has no content rules (matches any prompt). */
  content?: ContentRules;
  /** Undefined when the policy sets no limit. */
  limits?: PolicyLimits;
  /** Set when decision is "mask" (and kept, to mask the record, by a mask policy denied as unenforceable). */
  mask?: MaskRule;
  /** Set exactly when decision is "review". */
  review?: ReviewRule;
  /** Binary parts of a request (images, audio, files) may pass this policy uninspected. */
  allowBinary?: boolean;
  /** What the record keeps of the bodies; undefined when the policy does not say. */
  record?: RecordChoice;
}

/** The policies of one snapshot. */
export interface CompiledPolicies {
  /** The policies applying to `connection`, in evaluation order. */
  forConnection(connection: string): readonly CompiledPolicy[];
  /** The content rules of forConnection(connection) searched together (undefined: none has any). */
  contentIndex(connection: string): ContentIndex | undefined;
  /** Every policy of the snapshot, in evaluation order (whatever connections it names). */
  readonly all: readonly CompiledPolicy[];
  readonly size: number;
  /** Compiled conditions by source text, reused by the next snapshot (most policies do not change between two). */
  readonly conditions: ReadonlyMap<string, Condition>;
}

const policyName = /^[a-z][a-z0-9-]{0,62}$/;
const decisions: Partial<Record<PolicyAction, PolicyDecision>> = {
  [PolicyAction.UNSPECIFIED]: "none",
  [PolicyAction.ALLOW]: "allow",
  [PolicyAction.DENY]: "deny",
  [PolicyAction.MASK]: "mask",
  [PolicyAction.REVIEW]: "review",
};

function compileOne(policy: Policy, conditions: Map<string, Condition>, previous: ReadonlyMap<string, Condition>, options: CompileOptions): CompiledPolicy {
  const name = policy.name;
  const decision = decisions[policy.action];
  if (decision === undefined) throw new Error(`policy ${name}: unknown action ${policy.action}`);
  let condition: Condition | undefined;
  if (policy.when.trim() !== "") {
    try {
      condition = conditions.get(policy.when) ?? previous.get(policy.when) ?? compileCondition(policy.when);
      conditions.set(policy.when, condition);
    } catch (error) {
      const detail = error instanceof ConditionError ? error.message : String(error);
      throw new Error(`policy ${name}: condition does not compile: ${detail}`);
    }
  }
  const requestsPerMinute = policy.requestsPerMinute;
  const tokensPerHour = Number(policy.tokensPerHour);
  const limits: PolicyLimits | undefined = requestsPerMinute > 0 || tokensPerHour > 0
    ? {
      requestsPerMinute, tokensPerHour,
      ...(policy.limitScope === LimitScope.LOCAL ? { scope: "local" as const } : policy.limitScope === LimitScope.GLOBAL ? { scope: "global" as const } : {}),
      onStoreDown: policy.onStoreDown === StoreDownAction.LOCAL ? "local" : "deny",
    }
    : undefined;
  if (decision === "none" && !limits) throw new Error(`policy ${name}: neither an action nor limits`);
  return {
    name, priority: policy.priority, decision, reason: policy.reason, condition,
    content: compileContentMatch(name, policy.keywords, policy.patterns, KEYWORD_MODES[policy.keywordMatch] ?? "auto"), limits,
    // Detectors compile here, once per snapshot; a policy that cannot compile NACKs the snapshot.
    mask: decision === "mask" ? compileMaskRule(policy, options.phoneRegions) : undefined,
    review: decision === "review" ? compileReviewRule(policy) : undefined,
    record: recordChoice(policy),
    allowBinary: policy.allowBinary,
  };
}

/**
 * A policy holding settings this agent does not know (a newer control plane's field or enum value):
 * enforcing the part it understood could allow what the whole refuses, so wherever it would apply
 * (its connections, its `when` and content rules as far as they are known) it denies, saying why.
 * A mask rule it holds still masks the record of what it refuses.
 */
function compileUnenforceable(policy: Policy, unknown: readonly string[], conditions: Map<string, Condition>, previous: ReadonlyMap<string, Condition>, options: CompileOptions): CompiledPolicy {
  const reason = `it has settings this Palisade agent does not know (${unknown.join(", ")}); the agent needs an upgrade`;
  const denying = compileOne({ ...policy, action: PolicyAction.DENY, reason }, conditions, previous, options);
  if (policy.action !== PolicyAction.MASK) return denying;
  // Read with its known detectors, redacting both ways where a style or direction is not known.
  const detectors = policy.detectors.filter((name) => BUILTIN_DETECTORS.includes(name));
  for (const rule of [{ ...policy, detectors }, { ...policy, detectors, style: MaskStyle.REDACT, direction: MaskDirection.BOTH }]) {
    try {
      return { ...denying, mask: compileMaskRule(rule, options.phoneRegions) };
    } catch {
      // the next reading, or none
    }
  }
  return denying;
}

function byPriorityThenName(a: CompiledPolicy, b: CompiledPolicy): number {
  return b.priority - a.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** Compiles the policies for the given connection names (reusing `previous`'s conditions); throws an Error (the NACK reason) when one is unusable. */
export function compilePolicies(
  policies: readonly Policy[],
  connectionNames: Iterable<string>,
  previous?: CompiledPolicies,
  options: CompileOptions = {},
  /** Told one line per policy holding settings this agent does not know. */
  unenforceable?: string[],
): CompiledPolicies {
  const conditions = new Map<string, Condition>();
  const seen = new Set<string>();
  const everywhere: CompiledPolicy[] = [];
  const named = new Map<string, CompiledPolicy[]>();
  const compiled: { policy: CompiledPolicy; connections: readonly string[] }[] = [];
  for (const policy of policies) {
    if (!policyName.test(policy.name)) throw new Error(`policy name ${JSON.stringify(policy.name)} is not valid`);
    if (seen.has(policy.name)) throw new Error(`policy ${policy.name} is listed twice`);
    seen.add(policy.name);
    if (policy.connections.length === 0) throw new Error(`policy ${policy.name}: no connections`);
    // A detector this agent does not have is, like a field, a newer control plane's setting.
    const unknown = [...unknownSettings(PolicySchema, policy), ...policy.detectors.filter((name) => !BUILTIN_DETECTORS.includes(name)).map((name) => `detector ${name}`)];
    if (unknown.length > 0) unenforceable?.push(`policy ${policy.name}: ${unknown.join(", ")}`);
    const compiledPolicy = unknown.length > 0
      ? compileUnenforceable(policy, unknown, conditions, previous?.conditions ?? new Map(), options)
      : compileOne(policy, conditions, previous?.conditions ?? new Map(), options);
    compiled.push({ policy: compiledPolicy, connections: policy.connections });
  }
  compiled.sort((a, b) => byPriorityThenName(a.policy, b.policy));

  const known = new Set(connectionNames);
  for (const { policy, connections } of compiled) {
    if (connections.includes("*")) everywhere.push(policy);
    for (const connection of new Set(connections)) {
      if (connection === "*" || !known.has(connection)) continue; // a policy for a connection this agent does not serve
      const list = named.get(connection) ?? [];
      list.push(policy);
      named.set(connection, list);
    }
  }
  // Per connection: its own policies and the `*` ones, merged in evaluation order, computed once.
  const perConnection = new Map<string, readonly CompiledPolicy[]>();
  for (const connection of known) {
    const own = named.get(connection) ?? [];
    perConnection.set(connection, own.length === 0 ? everywhere : [...new Set([...own, ...everywhere])].sort(byPriorityThenName));
  }
  // Each list's content rules searched together (content-index.ts), built once per snapshot.
  const indexes = new Map<readonly CompiledPolicy[], ContentIndex | undefined>();
  for (const list of [everywhere, ...perConnection.values()]) {
    if (!indexes.has(list)) indexes.set(list, list.some((policy) => policy.content) ? new ContentIndex(list) : undefined);
  }
  return {
    forConnection: (connection) => perConnection.get(connection) ?? everywhere,
    contentIndex: (connection) => indexes.get(perConnection.get(connection) ?? everywhere),
    all: compiled.map(({ policy }) => policy),
    size: compiled.length,
    conditions,
  };
}

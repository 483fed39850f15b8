// Budget scopes from the snapshot (spent, or past their first threshold), compiled for a few map
// lookups per request. A spent scope refuses its requests until its reset time, by the agent's
// clock, so the refusal ends on time without waiting for a new snapshot; a scope with a token cap
// also refuses up front a request that may cost more than what is left: its prompt (estimated,
// billed whatever the reply) plus its max_tokens.
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { BudgetState } from "../../gen/palisade/agent/v1/snapshot_pb.js";

/** What a budget check reads of a request. */
export interface BudgetRequest {
  subject: string;
  groups: readonly string[];
  connection: string;
  model: string;
  /** The request's max_tokens (and variants, times its choices); undefined when it sets none. */
  maxTokens: number | undefined;
  /** The request's prompt, estimated at four bytes a token (agent/limits/token-estimate.ts). */
  promptTokens: number;
}

/** Why a budget refuses a request. */
export interface BudgetRefusal {
  budget: string;
  /** The caller's message (no other identity's data: the scope is the caller's own, or a shared one). */
  message: string;
  /** Recorded; starts with "blocked" like every block's (alert rules skip such refusals). */
  reason: string;
  retryAfterSeconds: number;
}

/** Finds the budget refusing a request now. */
export interface BudgetBook {
  /** The refusal of the first spent (or too small) scope covering `request` at `nowMs`; undefined when none. */
  check(request: BudgetRequest, nowMs: number): BudgetRefusal | undefined;
}

interface Scope {
  state: BudgetState;
  resetMs: number;
  subjects: ReadonlySet<string>;
  groups: ReadonlySet<string>;
  connections: ReadonlySet<string>;
  models: ReadonlySet<string>;
  /** From model_patterns: exact names go to `models`; these are the prefixes of `prefix*` entries. */
  modelPrefixes: readonly string[];
}

const PERS = new Set(["subject", "group", "connection", "model", "all"]);

function covers(scope: Scope, request: BudgetRequest): boolean {
  const { subjects, groups, connections, models, modelPrefixes } = scope;
  if (subjects.size > 0 && !subjects.has(request.subject)) return false;
  if (connections.size > 0 && !connections.has(request.connection)) return false;
  if ((models.size > 0 || modelPrefixes.length > 0) && !models.has(request.model) && !modelPrefixes.some((prefix) => request.model.startsWith(prefix))) return false;
  if (groups.size > 0 && !request.groups.some((group) => groups.has(group))) return false;
  switch (scope.state.per) {
    case "subject": return request.subject === scope.state.key;
    case "group": return request.groups.includes(scope.state.key);
    case "connection": return request.connection === scope.state.key;
    case "model": return request.model === scope.state.key;
    default: return true;
  }
}

const scopeText = (state: BudgetState) => (state.per === "all" ? "" : ` for ${state.per} ${state.key}`);

/** Compiles the snapshot's budget states; throws (to NACK) for a state it cannot read. */
export function compileBudgets(states: readonly BudgetState[]): BudgetBook {
  const scopes: Scope[] = states.map((state) => {
    if (!state.budget) throw new Error("budget state without a budget name");
    if (!PERS.has(state.per)) throw new Error(`budget ${state.budget}: unknown scope "${state.per}"`);
    if (!state.resetTime) throw new Error(`budget ${state.budget}: no reset time`);
    const patterns = state.modelPatterns;
    return {
      state, resetMs: timestampMs(state.resetTime), subjects: new Set(state.subjects), groups: new Set(state.groups),
      connections: new Set(state.connections), models: new Set([...state.models, ...patterns.filter((model) => !model.endsWith("*"))]),
      modelPrefixes: patterns.filter((model) => model.endsWith("*")).map((model) => model.slice(0, -1)),
    };
  });
  if (scopes.length === 0) return { check: () => undefined };
  // Indexed by scope value: a request looks up its own subject, groups, connection and model
  // rather than walking every scope (a per-subject budget may have many callers past half).
  const byKey = new Map<string, Scope[]>();
  for (const scope of scopes) {
    const id = `${scope.state.per}\u0000${scope.state.per === "all" ? "" : scope.state.key}`;
    byKey.set(id, [...(byKey.get(id) ?? []), scope]);
  }
  const candidates = (request: BudgetRequest): Scope[] => [
    ...(byKey.get(`subject\u0000${request.subject}`) ?? []),
    ...request.groups.flatMap((group) => byKey.get(`group\u0000${group}`) ?? []),
    ...(byKey.get(`connection\u0000${request.connection}`) ?? []),
    ...(byKey.get(`model\u0000${request.model}`) ?? []),
    ...(byKey.get("all\u0000") ?? []),
  ];
  return {
    check(request, nowMs) {
      for (const scope of candidates(request)) {
        if (scope.resetMs <= nowMs || !covers(scope, request)) continue;
        const { state } = scope;
        const until = new Date(scope.resetMs).toISOString();
        const retryAfterSeconds = Math.max(1, Math.ceil((scope.resetMs - nowMs) / 1000));
        if (state.spent) {
          return {
            budget: state.budget, retryAfterSeconds,
            message: `Palisade budget ${state.budget}${scopeText(state)} is spent (${state.summary}); it resets at ${until}`,
            reason: `blocked by budget ${state.budget}${scopeText(state)} until ${until}: ${state.summary}`,
          };
        }
        const left = Number(state.remainingTokens);
        // The prompt is billed as well as the output: a long prompt with a small max_tokens (or
        // none) costs what it costs, and a scope with 10 tokens left is not a 100 000-token prompt's.
        const most = request.promptTokens + (request.maxTokens ?? 0);
        if (state.tokensCapped && most > left) {
          const asked = request.maxTokens === undefined ? `its prompt (about ${request.promptTokens} tokens)` : `its prompt (about ${request.promptTokens} tokens) and max_tokens (${request.maxTokens})`;
          return {
            budget: state.budget, retryAfterSeconds,
            message: `Palisade budget ${state.budget}${scopeText(state)} has ${left} tokens left until ${until}, fewer than this request may use: ${asked}; shorten it, lower max_tokens or wait for the reset`,
            reason: `blocked by budget ${state.budget}${scopeText(state)}: prompt ~${request.promptTokens} + max_tokens ${request.maxTokens ?? 0} above the ${left} tokens left until ${until}`,
          };
        }
      }
      return undefined;
    },
  };
}

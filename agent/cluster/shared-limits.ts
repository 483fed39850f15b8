// Limits shared by the workers of one `palisade agent --workers N`: the primary holds the only
// counters (agent/policy/limits.ts), so an identity gets its limit once per agent, not once per
// worker. A worker asks over the cluster IPC channel only for a request a limited policy matched;
// every other request is decided without a message.
import type { LimitAdmission, LimitGate, LimitIdentity, LimitRequest, LimitTracker, LimitedPolicy } from "../policy/limits.js";
import { isMessage, type ClusterMessage, type LimitsAdmitRequest, type LimitsAdmitResponse, type LimitsCharge, type SharedLimit } from "./messages.js";

/** How long a worker waits for the primary before it counts the request itself (and logs why). */
const answerTimeoutMs = 1_000;

const admitted = { ok: true as const, chargeTokens: () => {} };

function shared(policies: readonly LimitedPolicy[]): SharedLimit[] {
  return policies.map(({ name, limits }) => ({ name, requestsPerMinute: limits?.requestsPerMinute ?? 0, tokensPerHour: limits?.tokensPerHour ?? 0 }));
}

const asPolicies = (limits: readonly SharedLimit[]): LimitedPolicy[] =>
  limits.map(({ name, requestsPerMinute, tokensPerHour }) => ({ name, limits: { requestsPerMinute, tokensPerHour } }));

/**
 * The worker's gate (call only in a cluster worker). `fallback` counts in this worker when the
 * primary does not answer in time — the per-process counting every agent does — and `onFallback`
 * says so (logged).
 */
export function createSharedLimits(fallback: LimitTracker, onFallback: (reason: string) => void): LimitGate {
  let next = 0;
  const waiting = new Map<number, (answer: LimitsAdmitResponse | undefined) => void>();
  process.on("message", (message: unknown) => {
    if (!isMessage(message, "palisade:limits")) return;
    waiting.get(message.id)?.(message);
  });
  const send = (message: ClusterMessage) => process.send?.(message);

  return {
    admit<P extends LimitedPolicy>(policies: readonly P[], identity: LimitIdentity, now: number, request?: LimitRequest) {
      const limited = policies.filter((policy) => policy.limits);
      if (limited.length === 0) return admitted;
      const limits = shared(limited);
      const who = { subject: identity.subject, issuer: identity.issuer };
      const id = next++;
      return new Promise<LimitAdmission<P>>((resolve) => {
        const timer = setTimeout(() => answer(undefined), answerTimeoutMs);
        function answer(reply: LimitsAdmitResponse | undefined): void {
          clearTimeout(timer);
          waiting.delete(id);
          if (!reply) {
            onFallback(`the agent's primary did not answer a limits check within ${answerTimeoutMs} ms; counting in this worker`);
            return resolve(fallback.admit(limited, identity, now, request));
          }
          if (reply.refused) {
            const policy = limited.find((candidate) => candidate.name === reply.refused!.policy);
            // A name this worker does not know cannot come back; refuse by the first limit rather than allow.
            return resolve({ ok: false, policy: policy ?? limited[0]!, limit: reply.refused.limit, retryAfterSeconds: reply.refused.retryAfterSeconds });
          }
          const charged = limits.filter((limit) => limit.tokensPerHour > 0);
          if (charged.length === 0) return resolve(admitted);
          const reserved = { tokens: Math.max(0, Math.ceil(request?.tokens ?? 0)), at: now };
          resolve({ ok: true, chargeTokens: (tokens, at) => send({ type: "palisade:limits-charge", limits: charged, identity: who, tokens, now: at, reserved }) });
        }
        waiting.set(id, answer);
        send({ type: "palisade:limits-admit", id, limits, identity: who, now, tokens: request?.tokens } satisfies LimitsAdmitRequest);
      });
    },
  };
}

/** The primary's side: answers a worker's admit, or adds a worker's charge, on `tracker`. */
export function answerLimits(tracker: LimitTracker, message: unknown): LimitsAdmitResponse | undefined {
  if (isMessage(message, "palisade:limits-charge")) {
    const charge: LimitsCharge = message;
    tracker.charge(asPolicies(charge.limits), charge.identity, charge.tokens, charge.now, charge.reserved);
    return undefined;
  }
  if (!isMessage(message, "palisade:limits-admit")) return undefined;
  const admission = tracker.admit(asPolicies(message.limits), message.identity, message.now, message.tokens === undefined ? undefined : { tokens: message.tokens });
  if (admission.ok) return { type: "palisade:limits", id: message.id };
  return { type: "palisade:limits", id: message.id, refused: { policy: admission.policy.name, limit: admission.limit, retryAfterSeconds: admission.retryAfterSeconds } };
}

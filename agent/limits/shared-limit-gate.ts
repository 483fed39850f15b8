// Limits of global scope counted in the counter store (Redis), shared by every agent; the rest in
// `local` (this process, or the primary's counters with --workers). One admission is one script
// call, so one round trip, for all the global limits of a request. While the store is down, each
// limit follows its onStoreDown: `deny` refuses (503), `local` counts in `local` meanwhile.
import type { LimitAdmission, LimitedPolicy, LimitGate, LimitIdentity, LimitRequest } from "../policy/limits.js";
import { type CounterStoreConfig, type CounterStores, StoreDownError } from "./counter-store.js";
import { identityTag, windowKey } from "./window-keys.js";

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
/** Slot lengths: a window is 60 slots (docs/limits.md: how long a count lasts). */
const REQUEST_SLOT_MS = 1_000;
const TOKEN_SLOT_MS = 60_000;

/** What the gate needs besides the policies. */
export interface SharedLimitOptions {
  /** Counters for local-scope limits, and for global ones while the store is down under `local`. */
  local: LimitGate;
  stores: CounterStores;
  /** The counter store the snapshot in force names; undefined: every limit is local. */
  counterStore(): CounterStoreConfig | undefined;
  /** A request met a store that did not answer: refused (`deny`) or counted locally (`local`). */
  onStoreDown(action: "deny" | "local", reason: string): void;
}

/** One window of one policy in one admission. */
interface Window<P> {
  policy: P;
  kind: "requests per minute" | "tokens per hour";
  key: string;
  cost: number;
}

const admitted = { ok: true as const, chargeTokens: () => {} };

const secondsFrom = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** The gate: global limits in the store, the rest (and fallbacks) in `options.local`. */
export function createSharedLimitGate(options: SharedLimitOptions): LimitGate {
  return {
    admit<P extends LimitedPolicy>(policies: readonly P[], identity: LimitIdentity, now: number, request?: LimitRequest) {
      const limited = policies.filter((policy) => policy.limits);
      if (limited.length === 0) return admitted;
      const client = options.stores.client(options.counterStore());
      const global = client ? limited.filter((policy) => policy.limits!.scope !== "local") : [];
      if (!client || global.length === 0) return options.local.admit(limited, identity, now, request);
      const local = limited.filter((policy) => policy.limits!.scope === "local");

      const tag = identityTag(identity.issuer, identity.subject);
      const tokens = Math.max(1, Math.ceil(request?.tokens ?? 1));
      const windows: Window<P>[] = [];
      const args: number[] = [];
      for (const policy of global) {
        const { requestsPerMinute, tokensPerHour } = policy.limits!;
        if (requestsPerMinute > 0) {
          windows.push({ policy, kind: "requests per minute", key: windowKey(client.keyPrefix, tag, policy.name, "r"), cost: 1 });
          args.push(requestsPerMinute, MINUTE_MS, REQUEST_SLOT_MS, 1);
        }
        if (tokensPerHour > 0) {
          windows.push({ policy, kind: "tokens per hour", key: windowKey(client.keyPrefix, tag, policy.name, "t"), cost: tokens });
          args.push(tokensPerHour, HOUR_MS, TOKEN_SLOT_MS, tokens);
        }
      }
      const keys = windows.map((window) => window.key);

      return client.admit(keys, now, args).then(
        async (result): Promise<LimitAdmission<P>> => {
          const [refusedAt = 0, ...slots] = result;
          if (refusedAt > 0) {
            const window = windows[refusedAt - 1]!;
            const retryMs = slots[0] ?? 0;
            if (retryMs < 0) {
              return {
                ok: false, policy: window.policy, limit: window.kind, retryAfterSeconds: secondsFrom(HOUR_MS),
                detail: `this request alone (about ${window.cost} tokens with its max_tokens) is more than the limit`,
              };
            }
            return { ok: false, policy: window.policy, limit: window.kind, retryAfterSeconds: secondsFrom(retryMs) };
          }
          const settle = (deltaOf: (window: Window<P>) => number) => {
            const changed = windows.map((window, i) => ({ window, slot: slots[i]!, delta: deltaOf(window) })).filter((entry) => entry.delta !== 0);
            if (changed.length > 0) void client.settle(changed.map((entry) => entry.window.key), changed.flatMap((entry) => [entry.slot, entry.delta]));
          };
          let localAdmission: LimitAdmission<P> = admitted;
          if (local.length > 0) {
            localAdmission = await options.local.admit(local, identity, now, request);
            if (!localAdmission.ok) {
              settle((window) => -window.cost); // give the shared counts back: the request does not go
              return localAdmission;
            }
          }
          const chargeLocal = localAdmission.chargeTokens;
          return {
            ok: true,
            chargeTokens(actual, at) {
              // The reservation becomes what the provider reported.
              settle((window) => (window.kind === "tokens per hour" ? Math.max(0, Math.round(actual)) - window.cost : 0));
              chargeLocal(actual, at);
            },
          };
        },
        (error: unknown): LimitAdmission<P> | Promise<LimitAdmission<P>> => {
          if (!(error instanceof StoreDownError)) throw error;
          const denying = global.find((policy) => policy.limits!.onStoreDown !== "local");
          if (denying) {
            options.onStoreDown("deny", error.message);
            return { ok: false, policy: denying, limit: "counter store", retryAfterSeconds: 1 };
          }
          options.onStoreDown("local", error.message);
          return options.local.admit(limited, identity, now, request);
        },
      );
    },
  };
}

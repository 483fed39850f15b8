// The counter store (Redis) agents share limit counters in: configured on the control plane only
// (PALISADE_REDIS_URL, docs/limits.md) and pushed to agents in their snapshot, so its credentials
// live in one place and never on an agent's command line.
import { create } from "@bufbuild/protobuf";
import { type Policy, LimitScope } from "../../gen/palisade/admin/v1/resources_pb.js";
import { type CounterStore, CounterStoreSchema } from "../../gen/palisade/agent/v1/snapshot_pb.js";

/** Where agents count global limits. */
export interface CounterStoreSettings {
  /** `redis://…` or `rediss://…`, credentials included. */
  url: string;
  /** Prefix of every key agents write; default `palisade:`. */
  keyPrefix?: string;
}

/** The default key prefix. */
export const DEFAULT_KEY_PREFIX = "palisade:";

/** Throws an Error (never echoing the URL, which may hold a password) unless `settings` is usable. */
export function checkCounterStore(settings: CounterStoreSettings): void {
  if (!URL.canParse(settings.url)) throw new Error("the counter store URL (PALISADE_REDIS_URL) is not a URL");
  const url = new URL(settings.url);
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") throw new Error("the counter store URL (PALISADE_REDIS_URL) must start with redis:// or rediss://");
  if (!url.hostname) throw new Error("the counter store URL (PALISADE_REDIS_URL) names no host");
}

/** The host and port of the store, for logs (never the credentials). */
export function counterStoreAddress(settings: CounterStoreSettings): string {
  const url = new URL(settings.url);
  return `${url.protocol}//${url.host}`;
}

/** The snapshot's message for `settings`; undefined without a store. */
export function counterStoreMessage(settings: CounterStoreSettings | undefined): CounterStore | undefined {
  if (!settings) return undefined;
  return create(CounterStoreSchema, { url: settings.url, keyPrefix: settings.keyPrefix ?? DEFAULT_KEY_PREFIX });
}

/** `policy` with its output-only `limits.countedIn` filled: where agents count its limits now. */
export function withCountedIn(policy: Policy, storeConfigured: boolean): Policy {
  if (!policy.limits) return policy;
  const shared = storeConfigured && policy.limits.scope !== LimitScope.LOCAL;
  policy.limits.countedIn = shared ? "redis" : "agent";
  return policy;
}

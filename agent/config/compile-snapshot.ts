// Turns a pushed Snapshot into the immutable form the hot path reads. Everything that can be wrong
// with a snapshot is found here, before it is swapped in: a snapshot that does not compile is
// NACKed and the last good one keeps serving.
import type { Snapshot } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import type { KeySetCache } from "../../core/identity/key-sets.js";
import type { VerifiedTokenCache } from "../../core/identity/verified-token-cache.js";
import { compileVerifier, type IdentityVerifier } from "../../core/identity/verifier.js";
import { type BlockList, compileBlocks } from "../policy/blocks.js";
import { type BudgetBook, compileBudgets } from "../policy/budgets.js";
import { compilePolicies, type CompiledPolicies, type CompileOptions } from "../policy/compile-policies.js";
import { providerFor, type ProviderSpec } from "../providers/index.js";
import { compileReviewBook, type ReviewBook } from "../review/review-book.js";
import type { CounterStoreConfig } from "../limits/counter-store.js";

/** A connection ready to forward to. */
export interface CompiledConnection {
  name: string;
  provider: ProviderSpec;
  upstream: URL;
  /** The upstream's path without a trailing slash ("" for the root); the request's path is appended. */
  basePath: string;
  credential: { header: string; value: string };
  /** Groups allowed to use the connection; empty means any authenticated caller. */
  allowedGroups: ReadonlySet<string>;
}

/** One applied snapshot: never mutated after compilation. */
export interface CompiledSnapshot {
  version: string;
  connections: ReadonlyMap<string, CompiledConnection>;
  identity: IdentityVerifier;
  /** Policies with their conditions and content rules compiled, per connection in evaluation order. */
  policies: CompiledPolicies;
  /** Identities refused with 403 until their block expires. */
  blocks: BlockList;
  /** Decided reviews: live grants, and the decisions holding requests wait for. */
  reviews: ReviewBook;
  /** Budget scopes that refuse requests (spent, or with too few tokens left for a max_tokens). */
  budgets: BudgetBook;
  /** Where global limits are counted; undefined: every limit is counted here. */
  counterStore?: CounterStoreConfig;
}

/** The snapshot's counter store, checked; throws (NACK, never quoting the URL: it may hold a password). */
function compileCounterStore(store: { url: string; keyPrefix: string } | undefined): CounterStoreConfig | undefined {
  if (!store || store.url === "") return undefined;
  const protocol = URL.canParse(store.url) ? new URL(store.url).protocol : "";
  if (protocol !== "redis:" && protocol !== "rediss:") throw new Error("counter store URL is not a redis:// or rediss:// URL");
  return { url: store.url, keyPrefix: store.keyPrefix };
}

const headerName = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
const connectionName = /^[a-z][a-z0-9-]{0,62}$/;

function compileUpstream(name: string, upstream: string): URL {
  let url: URL;
  try {
    url = new URL(upstream);
  } catch {
    throw new Error(`connection ${name}: upstream is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`connection ${name}: upstream must be http(s)`);
  if (url.search || url.hash) throw new Error(`connection ${name}: upstream must not have a query or fragment`);
  return url;
}

/** Compiles a snapshot (reusing what it can of `previous`), or throws an Error whose message is the NACK reason (never containing secrets). */
export function compileSnapshot(
  snapshot: Snapshot,
  keySets: KeySetCache,
  previous?: CompiledSnapshot,
  tokenCache?: VerifiedTokenCache,
  options: CompileOptions = {},
): CompiledSnapshot {
  const connections = new Map<string, CompiledConnection>();
  for (const connection of snapshot.connections) {
    const name = connection.name;
    if (!connectionName.test(name)) throw new Error(`connection name ${JSON.stringify(name)} is not valid`);
    if (connections.has(name)) throw new Error(`connection ${name} is listed twice`);
    const provider = providerFor(connection.provider);
    if (!provider) throw new Error(`connection ${name}: unknown provider ${connection.provider}`);
    const header = connection.credential?.header.toLowerCase() ?? "";
    const value = connection.credential?.value ?? "";
    if (!headerName.test(header)) throw new Error(`connection ${name}: credential header missing or invalid`);
    if (!value || /[\r\n\0]/.test(value)) throw new Error(`connection ${name}: credential value missing or invalid`);
    const upstream = compileUpstream(name, connection.upstream);
    connections.set(name, { name, provider, upstream, basePath: upstream.pathname.replace(/\/+$/, ""), credential: { header, value }, allowedGroups: new Set(connection.allowedGroups) });
  }
  const policies = compilePolicies(snapshot.policies, connections.keys(), previous?.policies, options);
  return { version: snapshot.version, connections, identity: compileVerifier(snapshot.issuers, keySets, snapshot.revocations, tokenCache), policies, blocks: compileBlocks(snapshot.blocks), reviews: compileReviewBook(snapshot.reviews), budgets: compileBudgets(snapshot.budgets), counterStore: compileCounterStore(snapshot.counterStore) };
}

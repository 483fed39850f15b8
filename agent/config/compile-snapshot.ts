// Turns a pushed Snapshot into the immutable form the hot path reads. Everything that can be wrong
// with a snapshot is found here, before it is swapped in: a snapshot that does not compile is
// NACKed and the last good one keeps serving.
import { ConnectionSchema, IssuerSchema, ReviewDecisionSchema, type Snapshot } from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { unknownSettings } from "../../core/protobuf/unknown-settings.js";
import type { KeySetCache } from "../../core/identity/key-sets.js";
import type { VerifiedTokenCache } from "../../core/identity/verified-token-cache.js";
import { compileVerifier, type IdentityVerifier } from "../../core/identity/verifier.js";
import { type BlockList, compileBlocks } from "../policy/blocks.js";
import { type BudgetBook, compileBudgets } from "../policy/budgets.js";
import { compilePolicies, type CompiledPolicies, type CompileOptions } from "../policy/compile-policies.js";
import { credentialNeedles } from "../http/credential-echo.js";
import { fallbackProvider, providerFor, type ProviderSpec } from "../providers/index.js";
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
  /** What of the credential a reply may not hold (credential-echo.ts); computed once per snapshot. */
  credentialNeedles: readonly Buffer[];
  /** Groups allowed to use the connection; empty means any authenticated caller. */
  allowedGroups: ReadonlySet<string>;
  /**
   * Set when the connection (or the snapshot as a whole) holds settings this agent does not know:
   * every request on it is refused (503) rather than served by the part this agent understood.
   */
  unenforceable?: string;
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
  /**
   * What the snapshot holds that this agent cannot read (a newer control plane's settings), one
   * line each ("policy pii: #26"): what each governs is refused, never served without it.
   */
  unenforceable: readonly string[];
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
  // A setting this agent does not know may narrow what it would otherwise allow: what it governs is
  // refused (unknown-settings.ts). A whole kind of setting the snapshot names (a field of the
  // snapshot itself) governs every connection.
  const unenforceable: string[] = [];
  const whole = (snapshot.$unknown ?? []).map((field) => `#${field.no}`);
  if (whole.length > 0) unenforceable.push(`snapshot: ${whole.join(", ")}`);
  const connections = new Map<string, CompiledConnection>();
  for (const connection of snapshot.connections) {
    const name = connection.name;
    if (!connectionName.test(name)) throw new Error(`connection name ${JSON.stringify(name)} is not valid`);
    if (connections.has(name)) throw new Error(`connection ${name} is listed twice`);
    const unknown = [...whole, ...unknownSettings(ConnectionSchema, connection)];
    if (unknown.length > whole.length) unenforceable.push(`connection ${name}: ${unknown.slice(whole.length).join(", ")}`);
    const provider = providerFor(connection.provider);
    if (!provider && unknown.length === 0) throw new Error(`connection ${name}: unknown provider ${connection.provider}`);
    const header = connection.credential?.header.toLowerCase() ?? "";
    const value = connection.credential?.value ?? "";
    if (!headerName.test(header)) throw new Error(`connection ${name}: credential header missing or invalid`);
    if (!value || /[\r\n\0]/.test(value)) throw new Error(`connection ${name}: credential value missing or invalid`);
    const upstream = compileUpstream(name, connection.upstream);
    connections.set(name, {
      name, provider: provider ?? fallbackProvider, upstream, basePath: upstream.pathname.replace(/\/+$/, ""), credential: { header, value }, credentialNeedles: credentialNeedles(value), allowedGroups: new Set(connection.allowedGroups),
      ...(unknown.length > 0 ? { unenforceable: `settings this agent does not know (${unknown.join(", ")})` } : {}),
    });
  }
  const issuers = [];
  const refusedIssuers = new Map<string, string>();
  for (const issuer of snapshot.issuers) {
    const unknown = unknownSettings(IssuerSchema, issuer);
    if (unknown.length === 0) {
      issuers.push(issuer);
      continue;
    }
    unenforceable.push(`issuer ${issuer.name}: ${unknown.join(", ")}`);
    refusedIssuers.set(issuer.issuer, `issuer ${issuer.name} has settings this agent does not know (${unknown.join(", ")}): its tokens are refused until the agent is upgraded`);
  }
  // An approval this agent cannot read whole (a scope it does not know) is left out: its request
  // stays undecided, never approved more widely than the approver meant. A denial stands.
  const reviews = snapshot.reviews.filter((review) => {
    const unknown = review.approved ? unknownSettings(ReviewDecisionSchema, review) : [];
    if (unknown.length > 0) unenforceable.push(`review ${review.id}: ${unknown.join(", ")}`);
    return unknown.length === 0;
  });
  const policies = compilePolicies(snapshot.policies, connections.keys(), previous?.policies, options, unenforceable);
  return {
    version: snapshot.version, connections, identity: compileVerifier(issuers, keySets, snapshot.revocations, tokenCache, refusedIssuers), policies,
    blocks: compileBlocks(snapshot.blocks), reviews: compileReviewBook(reviews), budgets: compileBudgets(snapshot.budgets), counterStore: compileCounterStore(snapshot.counterStore), unenforceable,
  };
}

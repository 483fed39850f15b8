// What the pipeline needs to know about an API family. Each provider is a plain object built from
// these functions; the pipeline looks one up by the connection's `Provider` and never branches on
// which one it has.
import type { SseEvent } from "../sse/sse-parser.js";

/** Token counts as the provider reported them. */
export interface UsageCounts {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** Of the prompt tokens, those read from the provider's prompt cache; absent when not reported. */
  cachedTokens?: number;
}

/** What the agent reads from a request body. Empty model when there is none (or the body is not JSON). */
export interface RequestFacts {
  model: string;
  stream: boolean;
  /** The most output tokens the request asks for (max_tokens and its variants); absent when it sets none. */
  maxTokens?: number;
}

/** Why the agent itself answers instead of the upstream; each provider words it in its own types. */
export type RefusalKind =
  | "unauthenticated" // missing or invalid caller token (401)
  | "not_found" // unknown connection (404)
  | "too_large" // request body above the limit (413)
  | "invalid_request" // a body the agent cannot inspect, e.g. nested too deeply to mask (400)
  | "unsupported_media_type" // a body type or encoding the connection's provider does not take, or the agent cannot decode (415)
  | "unavailable" // no configuration yet, or the audit buffer is full (503)
  | "bad_gateway" // upstream unreachable or broke off (502)
  | "internal" // a failure of the agent itself, never the upstream's (500)
  | "gateway_timeout" // upstream did not answer in time (504)
  | "uninspectable_reply" // a reply to be masked that the agent cannot read (502; agent/masking/uninspectable.ts)
  | "forbidden" // a policy or the connection's allowed groups refuse the caller (403)
  | "rate_limited"; // a policy's limit is reached (429)

/** A refusal the agent writes in the provider's error format. */
export interface Refusal {
  status: number;
  kind: RefusalKind;
  message: string;
  /** A precise reason code (`invalid_utf8`, `duplicate_json_key`…) where the provider's format has a place for one; else the kind's. */
  code?: string;
}

/** Which request bodies an API takes besides JSON (the pipeline refuses the others with 415). */
export interface RequestBodyRules {
  /** Paths (below the connection) that take multipart/form-data uploads. */
  multipart?: RegExp;
  /** Any other media type too (text, forms, binary): an API of unknown shape. */
  anyType?: boolean;
}

/** Reassembles a streamed response event by event. */
export interface StreamReader {
  event(event: SseEvent): void;
  /** The text the caller saw, concatenated from the deltas (at most the reader's bound). */
  text(): string;
  /** True when the text went past the bound and was cut. */
  truncated(): boolean;
  usage(): UsageCounts | undefined;
}

/** Rewrites the bytes of a response stream on their way to the caller. */
export interface StreamFilter {
  /** The bytes to send for `chunk` (maybe fewer, held until an event completes). */
  push(chunk: Buffer): Buffer;
  /** What is left when the upstream ends. */
  end(): Buffer;
}

/** A request changed so that its streamed response reports usage, and how to hide that from the caller. */
export interface StreamUsageRewrite {
  /** The body to send upstream instead of the caller's. */
  body: Buffer;
  /** A fresh filter for the response, removing what only the rewrite caused. */
  filter(): StreamFilter;
}

/** An API family as data. */
export interface ProviderSpec {
  /** Short name used in logs and docs ("openai", "anthropic", "generic"). */
  name: string;
  /** Request bodies this API takes. */
  requestBodies: RequestBodyRules;
  /** Reads model and stream flag from a parsed JSON request body. */
  readRequest(body: unknown): RequestFacts;
  /** The prompt text content rules are matched against: from the parsed JSON body, or `raw` (the body as text) where the API has no known shape. */
  promptText(body: unknown, raw: string): string;
  /** Reads usage from a parsed JSON (non-streamed) response body. */
  readUsage(body: unknown): UsageCounts | undefined;
  /** A fresh reader for one streamed response keeping at most `maxChars` of text, or undefined when the stream is recorded raw. */
  streamReader(maxChars: number): StreamReader | undefined;
  /** When a streamed request would not report usage, the rewrite that makes it (absent: always reports it). */
  streamUsage?(path: string, body: unknown): StreamUsageRewrite | undefined;
  /** The JSON body of a refusal in this provider's error format. */
  errorBody(refusal: Refusal): unknown;
  /**
   * The server-sent event that ends a stream already under way (status sent) with `refusal`, in
   * this API's own streaming error format for the request `path`; absent where the API has none
   * (the agent then cuts the connection).
   */
  streamError?(path: string, refusal: Refusal): string;
}

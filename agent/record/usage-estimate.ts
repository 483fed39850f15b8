// The usage a record carries when the provider never reported it whole. A forwarded request was
// billed by its provider whether or not the usage reached the agent: a reply without usage, a
// stream cut short or left by its caller right before its usage chunk, an upstream gone silent.
// Budgets, token limits and `palisade usage` all read the record's usage, so an exchange whose
// usage is unknown carries an estimate, flagged `estimated`, never nothing (docs/budgets.md).
import type { UsageCounts } from "../providers/index.js";

/** What a request was estimated at before it went: its prompt's tokens and the output it allows. */
export interface TokenEstimate {
  prompt: number;
  /** max_tokens (or a variant) times the choices asked for; undefined when the request sets none. */
  maxTokens: number | undefined;
}

/** How a forwarded exchange ended, as the estimate reads it. */
export interface ForwardedEnd {
  /** The request's HTTP method. */
  method: string;
  /** The status the caller got. */
  status: number;
  /** The answer broke off, or its caller left, before it ended (Verdict.FAILED). */
  failed: boolean;
  /** UTF-8 bytes of the reply's text as relayed (a stream's text reassembled from its deltas), 0 when none came. */
  replyBytes: number;
}

/** Recorded usage: the provider's counts, or the agent's estimate of them. */
export interface RecordedUsage extends UsageCounts {
  estimated: boolean;
}

// Reads: no provider generates (or bills) tokens for a GET, HEAD or OPTIONS (model lists, stored
// objects, file downloads); generation is always asked for with a body (POST). Estimating them
// would spend budgets on an SDK listing models.
const READS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * The usage to record for a forwarded request: what the provider reported, when it reported it
 * whole; none when the provider answered an error of its own (not billed), or for a read (GET,
 * HEAD, OPTIONS) that reported none. Otherwise (no usage, or
 * a reply that failed, whose usage may be partial: an Anthropic stream says its input and 1 output
 * token at message_start, the rest at message_delta) the estimate: the prompt's estimate, and as
 * completion the larger of max_tokens and the reply's text at four bytes a token; never below a
 * figure the provider reported. A reported total at least as large as the estimate stands as reported.
 */
export function forwardedUsage(reported: UsageCounts | undefined, end: ForwardedEnd, estimate: TokenEstimate): RecordedUsage | undefined {
  if (reported && !end.failed) return { ...reported, estimated: false };
  if (!reported && ((end.status >= 400 && !end.failed) || READS.has(end.method.toUpperCase()))) return undefined;
  const prompt = estimate.prompt;
  const completion = Math.max(estimate.maxTokens ?? 0, Math.ceil(end.replyBytes / 4));
  if (reported && reported.totalTokens >= prompt + completion) return { ...reported, estimated: false };
  const promptTokens = Math.max(prompt, reported?.promptTokens ?? 0);
  const completionTokens = Math.max(completion, reported?.completionTokens ?? 0);
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens, cachedTokens: reported?.cachedTokens ?? 0, estimated: true };
}

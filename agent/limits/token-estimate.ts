// What a request is expected to cost before the provider says, for token limits that reserve it
// (docs/limits.md): the prompt at about four bytes a token, plus the output it allows (max_tokens).
// Afterwards the reservation is settled to what the provider reported, or, when it reported
// nothing, to an estimate: a reply whose usage never arrives is not free.
import { Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";

/** What a request was estimated at before it went: its prompt's tokens and the output it allows. */
export interface TokenEstimate {
  prompt: number;
  maxTokens: number | undefined;
}

/** The estimate of a request with prompt text `prompt` allowing `maxTokens` of output (undefined when unset). */
export function tokenEstimate(prompt: string, maxTokens: number | undefined): TokenEstimate {
  return { prompt: Math.ceil(Buffer.byteLength(prompt, "utf8") / 4), maxTokens };
}

/** Estimated tokens of a request with prompt text `prompt` allowing `maxTokens` of output (0 when unset). */
export function estimateTokens(prompt: string, maxTokens: number | undefined): number {
  const estimate = tokenEstimate(prompt, maxTokens);
  return estimate.prompt + (estimate.maxTokens ?? 0);
}

/** What settlement reads of a recorded exchange. */
export interface SettledExchange {
  usage?: { totalTokens: bigint };
  status: number;
  /** Anything but failed: the upstream's own answer was relayed whole (its status is the upstream's). */
  verdict: Verdict;
  /** The reply as recorded (its size bounds the output the caller got). */
  responseBody: string;
  /** The request was handed to the upstream. */
  forwarded: boolean;
}

/**
 * The tokens to settle a reservation at once an exchange is recorded: what the provider reported;
 * 0 when nothing reached a provider or it answered an error of its own (providers bill no tokens
 * for those). When it was forwarded and its usage is unknown (no usage in the reply, a stream cut
 * short or left by the caller before its usage chunk, a caller gone or an upstream silent before
 * any answer) or only partly known (a reply that failed after some usage was reported), at least
 * the prompt's estimate plus the larger of max_tokens and the reply's recorded size at four bytes
 * a token: tokens were spent, how many nobody knows, and none (or a first count) is not an answer.
 */
export function settledTokens(exchange: SettledExchange, estimate: TokenEstimate): number {
  const estimated = () => estimate.prompt + Math.max(estimate.maxTokens ?? 0, Math.ceil(Buffer.byteLength(exchange.responseBody, "utf8") / 4));
  if (exchange.usage) {
    const reported = Number(exchange.usage.totalTokens);
    // A reply cut short (or left by its caller) may carry part of its usage only: an Anthropic
    // stream says its input and 1 output token at message_start, the rest at message_delta.
    return exchange.forwarded && exchange.verdict === Verdict.FAILED ? Math.max(reported, estimated()) : reported;
  }
  if (!exchange.forwarded) return 0;
  if (exchange.status >= 400 && exchange.verdict !== Verdict.FAILED) return 0;
  return estimated();
}

// What a request is expected to cost before the provider says, for token limits that reserve it
// (docs/limits.md): the prompt at about four bytes a token, plus the output it allows (max_tokens).
// Afterwards the reservation is settled to the usage the record carries: what the provider
// reported or, when it reported nothing (or only part), the record's estimate
// (agent/record/usage-estimate.ts): a reply whose usage never arrives is not free.
import type { Usage } from "../../gen/palisade/agent/v1/exchange_pb.js";
import type { TokenEstimate } from "../record/usage-estimate.js";

export type { TokenEstimate } from "../record/usage-estimate.js";

/** The estimate of a request with prompt text `prompt` allowing `maxTokens` of output (undefined when unset). */
export function tokenEstimate(prompt: string, maxTokens: number | undefined): TokenEstimate {
  return { prompt: Math.ceil(Buffer.byteLength(prompt, "utf8") / 4), maxTokens };
}

/** Estimated tokens of a request with prompt text `prompt` allowing `maxTokens` of output (0 when unset). */
export function estimateTokens(prompt: string, maxTokens: number | undefined): number {
  const estimate = tokenEstimate(prompt, maxTokens);
  return estimate.prompt + (estimate.maxTokens ?? 0);
}

/**
 * The tokens to settle a reservation at once an exchange is recorded: the total of its recorded
 * usage (reported, or estimated for a forwarded request whose usage is unknown); 0 when it has none
 * (nothing reached a provider, or the provider answered an error of its own: neither is billed).
 */
export function settledTokens(exchange: { usage?: Pick<Usage, "totalTokens"> }): number {
  return exchange.usage ? Number(exchange.usage.totalTokens) : 0;
}

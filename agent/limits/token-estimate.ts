// What a request is expected to cost before the provider says, for token limits that reserve it
// (docs/limits.md): the prompt at about four bytes a token, plus the output it allows (max_tokens).
// Afterwards the reservation is settled to what the provider reported.

/** Estimated tokens of a request with prompt text `prompt` allowing `maxTokens` of output (0 when unset). */
export function estimateTokens(prompt: string, maxTokens: number | undefined): number {
  return Math.ceil(Buffer.byteLength(prompt, "utf8") / 4) + (maxTokens ?? 0);
}

/**
 * The tokens to settle a reservation at once an exchange is recorded: what the provider reported;
 * 0 when nothing reached a provider or it answered an error (providers bill no tokens for those);
 * undefined (keep the reservation) when it answered but its usage is unknown, say a stream cut
 * short: tokens were spent, how many nobody knows.
 */
export function settledTokens(exchange: { usage?: { totalTokens: bigint }; status: number; forwarded: boolean }): number | undefined {
  if (exchange.usage) return Number(exchange.usage.totalTokens);
  if (!exchange.forwarded || exchange.status >= 400) return 0;
  return undefined;
}

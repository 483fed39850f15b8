// Why a webhook post failed, and whether trying again could help.

/** The kinds of failure: the first four may pass on a later attempt, the others will not. */
export type WebhookFailure =
  | "timeout" // no connection, or no complete answer, in time
  | "network" // connection refused or broken
  | "transient-status" // 408, 425, 429 or 5xx
  | "status" // any other non-2xx, non-3xx status
  | "redirect" // a 3xx: never followed
  | "refused" // the URL or the address it leads to is not allowed (webhook-url.ts, webhook-address.ts)
  | "aborted"; // the caller or the client's close abandoned the post

const RETRYABLE: ReadonlySet<WebhookFailure> = new Set(["timeout", "network", "transient-status"]);

/** A failed post; the message names the webhook's origin only (paths often carry a secret). */
export class WebhookError extends Error {
  /** Attempts made, the last included. */
  attempts = 1;

  constructor(readonly failure: WebhookFailure, message: string, readonly status?: number) {
    super(message);
    this.name = "WebhookError";
  }

  /** Whether another attempt could succeed. */
  get retryable(): boolean {
    return RETRYABLE.has(this.failure);
  }
}

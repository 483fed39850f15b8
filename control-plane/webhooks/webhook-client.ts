// The one outbound webhook client of the control plane (review, alert and audit-sink webhooks): a
// JSON POST with a connect and a total time limit, redirects never followed (a 3xx is a failure),
// an optional HMAC signature, retries with exponential backoff and full jitter (core/net/backoff),
// at most `maxResponseBytes` of an answer read, and only addresses webhook-address.ts allows.
// Each caller keeps its own delivery semantics on top (docs/siem.md, reviews.md, alerts.md).
import { setTimeout as sleepFor } from "node:timers/promises";
import { Agent, type Dispatcher } from "undici";
import { createBackoff } from "../../core/net/backoff.js";
import { webhookConnector } from "./webhook-address.js";
import { WebhookError } from "./webhook-error.js";
import { SIGNATURE_HEADER, webhookSignature } from "./webhook-signature.js";
import { webhookOrigin, webhookUrlProblem } from "./webhook-url.js";

export { WebhookError, type WebhookFailure } from "./webhook-error.js";

/** How a client sends. */
export interface WebhookClientOptions {
  /** The `user-agent` header. */
  userAgent: string;
  /** Time to open the connection (TCP and TLS); default 5 s. */
  connectTimeoutMs?: number;
  /** Time for one attempt from the request to the end of the answer read; default 10 s. */
  timeoutMs?: number;
  /** Attempts per post, the first included; default 1 (the caller retries in its own way). */
  attempts?: number;
  /** Backoff ceiling of the first retry, doubled per retry up to `retryCapMs`; defaults 1 s and 30 s. */
  retryBaseMs?: number;
  retryCapMs?: number;
  /** Bytes of an answer read before the connection is dropped; default 64 KiB. */
  maxResponseBytes?: number;
  /** Waits between attempts (tests record the delays instead of sleeping); rejects when `signal` aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** The jitter's randomness in [0, 1). */
  random?: () => number;
}

/** One POST. */
export interface WebhookPost {
  url: string;
  /** The JSON text sent; signed as these exact bytes. */
  body: string;
  /** Headers besides content-type, user-agent and the signature. */
  headers?: Record<string, string>;
  /** Signs the body (SIGNATURE_HEADER) when set. */
  secret?: string;
  /** Aborts the post (and its retries). */
  signal?: AbortSignal;
}

/** A delivered post. */
export interface WebhookDelivery {
  status: number;
  attempts: number;
}

/** Sends webhooks. */
export interface WebhookClient {
  /** Resolves once the receiver answered 2xx; rejects with a WebhookError after the last attempt. */
  post(post: WebhookPost): Promise<WebhookDelivery>;
  /** Abandons posts in flight (they reject as aborted) and closes connections. */
  close(): Promise<void>;
}

const EXCERPT_BYTES = 200;

/**
 * The settings of review and alert notifications (docs/reviews.md, docs/alerts.md): 5 s to connect
 * and 5 s per attempt, 3 attempts, retry delays drawn below 1 s then 2 s.
 */
export const NOTIFICATION_WEBHOOKS = { connectTimeoutMs: 5000, timeoutMs: 5000, attempts: 3, retryBaseMs: 1000, retryCapMs: 10_000 } as const;

/** A client with its own connection pool. */
export function createWebhookClient(options: WebhookClientOptions): WebhookClient {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const attempts = Math.max(1, options.attempts ?? 1);
  const maxResponseBytes = options.maxResponseBytes ?? 64 * 1024;
  const sleep = options.sleep ?? ((ms, signal) => sleepFor(ms, undefined, { signal }));
  const closing = new AbortController();
  const agent = new Agent({
    connect: webhookConnector(options.connectTimeoutMs ?? 5000),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });

  const attempt = async (post: WebhookPost, url: URL, signal: AbortSignal): Promise<number> => {
    const origin = url.origin;
    const timeout = AbortSignal.timeout(timeoutMs);
    let response: Dispatcher.ResponseData;
    try {
      response = await agent.request({
        origin,
        path: `${url.pathname}${url.search}`,
        method: "POST",
        headers: {
          ...post.headers,
          "content-type": "application/json",
          "user-agent": options.userAgent,
          ...(post.secret === undefined ? {} : { [SIGNATURE_HEADER]: webhookSignature(post.secret, post.body) }),
        },
        body: post.body,
        signal: AbortSignal.any([signal, timeout]),
      });
    } catch (error) {
      throw failure(error, origin, signal, timeout, timeoutMs);
    }
    let excerpt: string;
    try {
      excerpt = await readBounded(response.body, maxResponseBytes);
    } catch (error) {
      throw failure(error, origin, signal, timeout, timeoutMs);
    }
    const status = response.statusCode;
    if (status >= 200 && status < 300) return status;
    if (status >= 300 && status < 400) {
      throw new WebhookError("redirect", `webhook ${origin} answered ${status}: redirects are not followed`, status);
    }
    const said = excerpt === "" ? "" : `: ${excerpt}`;
    const retryable = status >= 500 || status === 408 || status === 425 || status === 429;
    throw new WebhookError(retryable ? "transient-status" : "status", `webhook ${origin} answered ${status}${said}`, status);
  };

  return {
    async post(post) {
      const problem = webhookUrlProblem(post.url);
      if (problem) throw new WebhookError("refused", `webhook ${webhookOrigin(post.url)}: url ${problem}`);
      const url = new URL(post.url);
      const signal = post.signal ? AbortSignal.any([post.signal, closing.signal]) : closing.signal;
      const backoff = createBackoff({
        baseMs: options.retryBaseMs ?? 1000, capMs: options.retryCapMs ?? 30_000, stableMs: Infinity, random: options.random,
      });
      for (let tried = 1; ; tried++) {
        try {
          return { status: await attempt(post, url, signal), attempts: tried };
        } catch (error) {
          const failed = error instanceof WebhookError ? error : new WebhookError("network", String(error));
          failed.attempts = tried;
          if (!failed.retryable || tried >= attempts) throw failed;
          try {
            await sleep(backoff.next(), signal);
          } catch {
            throw Object.assign(new WebhookError("aborted", `webhook ${url.origin}: abandoned between attempts`), { attempts: tried });
          }
        }
      }
    },
    async close() {
      closing.abort();
      await agent.destroy();
    },
  };
}

// Reads at most `limit` bytes of `body` (dropping the connection past it); returns its start as text.
async function readBounded(body: Dispatcher.ResponseData["body"], limit: number): Promise<string> {
  const kept: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (size < EXCERPT_BYTES) kept.push(chunk.subarray(0, EXCERPT_BYTES - size));
    size += chunk.length;
    if (size >= limit) {
      body.destroy();
      break;
    }
  }
  // Printable text only: an excerpt goes into logs.
  return Buffer.concat(kept).toString("utf8").replace(/[^\x20-\x7e]+/g, " ").trim();
}

function failure(error: unknown, origin: string, signal: AbortSignal, timeout: AbortSignal, timeoutMs: number): WebhookError {
  if (error instanceof WebhookError) return error;
  if (signal.aborted) return new WebhookError("aborted", `webhook ${origin}: abandoned`);
  const code = (error as { code?: string }).code;
  if (code === "UND_ERR_CONNECT_TIMEOUT") return new WebhookError("timeout", `webhook ${origin}: could not connect in time`);
  if (timeout.aborted || code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") {
    return new WebhookError("timeout", `webhook ${origin}: no complete answer within ${timeoutMs} ms`);
  }
  const cause = (error as { cause?: unknown }).cause ?? error;
  if (cause instanceof Error && (cause as { code?: string }).code === "PALISADE_WEBHOOK_ADDRESS") return new WebhookError("refused", cause.message);
  return new WebhookError("network", `webhook ${origin}: ${error instanceof Error ? error.message : String(error)}`);
}

// What a webhook URL may be — one rule for review, alert and audit-sink webhooks, checked when a
// resource is applied and again before every send: http(s) only, no credentials in the URL, and
// https unless the host is this machine (payloads are not sent in clear over a network).

/** The longest webhook URL accepted. */
export const MAX_WEBHOOK_URL_LENGTH = 2048;

const LOOPBACK_NAMES = new Set(["localhost", "[::1]"]);

/** Whether `host` (a URL's hostname) names this machine: the only hosts a plain-http webhook may use. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Why `url` may not be a webhook, as the end of a sentence starting "webhook " ("must be an http(s)
 * URL"), or undefined when it may.
 */
export function webhookUrlProblem(url: string): string | undefined {
  if (url.length > MAX_WEBHOOK_URL_LENGTH) return `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`;
  if (!URL.canParse(url)) return "must be an http(s) URL";
  const parsed = new URL(url);
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return "must be an http(s) URL";
  // A password in a URL ends up in logs and process listings; receivers take a secret path or the signature.
  if (parsed.username !== "" || parsed.password !== "") return "must not carry credentials (user:password@)";
  if (parsed.protocol === "http:" && !isLoopbackHost(parsed.hostname)) return "must be https (http only to localhost, 127.0.0.0/8 or [::1])";
  return undefined;
}

/** The part of `url` safe to log: scheme, host and port (paths and queries often carry a secret). */
export function webhookOrigin(url: string): string {
  return URL.canParse(url) ? new URL(url).origin : "(not a URL)";
}

// The one signature scheme of Palisade's webhooks: `x-palisade-signature: sha256=<hex HMAC-SHA256 of
// the exact body bytes, keyed with the webhook's secret>` (docs/siem.md: how a receiver verifies it).
import { createHmac, timingSafeEqual } from "node:crypto";

/** The header carrying the signature. */
export const SIGNATURE_HEADER = "x-palisade-signature";

/** The signature header value of `body` under `secret`. */
export function webhookSignature(secret: string, body: string | Uint8Array): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** Whether `header` is the signature of `body` under `secret` (constant-time), as a receiver checks it. */
export function verifyWebhookSignature(secret: string, body: string | Uint8Array, header: string | undefined): boolean {
  const expected = Buffer.from(webhookSignature(secret, body));
  const given = Buffer.from(header ?? "");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

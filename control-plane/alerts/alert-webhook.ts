// Best-effort notification of an alert to its rule's webhook: one POST of JSON with a timeout, after
// the alert has committed. A failure is logged and not retried (the alert is in the audit log,
// which AuditSinks deliver at least once).
import type { Logger } from "pino";
import type { FiredAlert } from "./evaluate-rules.js";

/** How long a webhook may take to answer. */
export const WEBHOOK_TIMEOUT_MS = 5000;

/** The JSON body posted for `fired`. */
export function webhookBody(fired: FiredAlert): Record<string, unknown> {
  const { alert } = fired;
  return {
    type: "palisade.alert",
    alert: {
      id: alert.id, rule: alert.rule, subject: alert.subject, issuer: alert.issuer, fireTime: alert.firedAt.toISOString(),
      summary: alert.summary, observed: alert.observed, baseline: alert.baseline, ...(alert.model ? { model: alert.model } : {}),
      sessionIds: alert.sessionIds, blocked: alert.blocked,
      ...(fired.blockedUntil ? { blockedUntil: fired.blockedUntil.toISOString() } : {}),
    },
  };
}

/** Posts the alert to its rule's webhook, if any; never throws. */
export async function notifyWebhook(fired: FiredAlert, logger: Logger): Promise<void> {
  const url = fired.rule.webhook;
  if (!url) return;
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "palisade-alerts" },
      body: JSON.stringify(webhookBody(fired)),
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
    await response.body?.cancel();
    if (!response.ok) logger.warn({ rule: fired.rule.name, alert: fired.alert.id, status: response.status }, "alert webhook answered with an error");
  } catch (error) {
    logger.warn({ rule: fired.rule.name, alert: fired.alert.id, err: error }, "alert webhook failed");
  }
}

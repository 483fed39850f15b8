// Best-effort notification of an alert to its rule's webhook: one JSON POST after the alert has
// committed, through the shared webhook client (timeouts, retries with backoff). A post that still
// fails is logged (the alert is in the audit log, which AuditSinks deliver at least once).
import type { Logger } from "pino";
import { type WebhookClient, WebhookError } from "../webhooks/webhook-client.js";
import type { FiredAlert } from "./evaluate-rules.js";

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

/** Posts fired alerts to their rule's webhook. */
export interface AlertNotifier {
  /** Posts `fired` to its rule's webhook, if any; never throws (the promise is for tests). */
  notify(fired: FiredAlert): Promise<void>;
}

/** A notifier posting through `client` (which owns timeouts and retries). */
export function createAlertNotifier(deps: { client: WebhookClient; logger: Logger }): AlertNotifier {
  return {
    async notify(fired) {
      const url = fired.rule.webhook;
      if (!url) return;
      const log = deps.logger.child({ rule: fired.rule.name, alert: fired.alert.id });
      try {
        // x-palisade-delivery is the same on every attempt: a receiver that got it twice can tell.
        await deps.client.post({ url, body: JSON.stringify(webhookBody(fired)), headers: { "x-palisade-delivery": `alert:${fired.alert.id}` } });
      } catch (error) {
        log.warn({ err: error instanceof Error ? error.message : String(error), attempts: error instanceof WebhookError ? error.attempts : undefined }, "alert webhook failed");
      }
    },
  };
}

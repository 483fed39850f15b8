// Runs evaluation passes: every `intervalMs`, and soon after new exchanges are committed (at most one
// pass per `minGapMs`), never two at once in this process. Replicas take turns through the advisory
// lock in evaluateRules; a pass that fails is logged and the next one runs as usual.
import type { Logger } from "pino";
import type { ExchangeSink } from "../stream/ports.js";
import type { Database } from "../storage/database.js";
import type { AlertMetrics } from "./alert-metrics.js";
import type { AlertNotifier } from "./alert-webhook.js";
import { evaluateRules, type FiredAlert } from "./evaluate-rules.js";
import { pokeAfterCommit, startPassScheduler } from "../evaluation/pass-scheduler.js";

/** How to run the evaluator. */
export interface AlertEvaluatorOptions {
  db: Database;
  logger: Logger;
  /** Time between passes; default 1 s. */
  intervalMs?: number;
  /** Least time between two passes started by new exchanges; default 200 ms. */
  minGapMs?: number;
  /** Counts fired alerts and failed passes; absent: not counted. */
  metrics?: AlertMetrics;
  /** Called after each alert commits. */
  onAlert?(fired: FiredAlert): void;
  /** Posts each committed alert to its rule's webhook; absent: webhooks are not called. */
  notifier?: AlertNotifier;
}

/** A running evaluator. */
export interface AlertEvaluator {
  /** Asks for a pass soon (new exchanges were committed). */
  poke(): void;
  /** `sink` that pokes the evaluator after each commit. */
  watching(sink: ExchangeSink): ExchangeSink;
  /** Stops scheduling and waits for a pass in flight. */
  close(): Promise<void>;
}

/** Starts the evaluator. */
export function startAlertEvaluator(options: AlertEvaluatorOptions): AlertEvaluator {
  const logger = options.logger.child({ component: "alerts" });
  let closed = false;

  const pass = async () => {
    try {
      const result = await evaluateRules(options.db, new Date());
      if (!result.evaluated) return;
      for (const fired of result.fired) {
        logger.warn({ rule: fired.rule.name, subject: fired.alert.subject, alert: fired.alert.id, blocked: fired.alert.blocked, summary: fired.alert.summary }, "alert fired");
        options.metrics?.fired(fired.rule.name);
        options.onAlert?.(fired);
        void options.notifier?.notify(fired);
      }
      options.metrics?.evaluated();
    } catch (error) {
      if (closed) return;
      options.metrics?.failed();
      logger.error({ err: error }, "alert evaluation failed");
    }
  };

  const scheduler = startPassScheduler({ intervalMs: options.intervalMs ?? 1000, minGapMs: options.minGapMs ?? 200, pass });
  return {
    poke: scheduler.poke,
    watching: (sink) => pokeAfterCommit(sink, scheduler),
    async close() {
      closed = true;
      await scheduler.close();
    },
  };
}

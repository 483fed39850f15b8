// Runs budget passes (evaluate-budgets.ts) every second and soon after new exchanges commit, posts
// threshold alerts to the budget's webhook, and keeps the budget gauges: per budget, how many
// scopes are under their first threshold, past it, or spent, and the highest share used. No
// subject, group or model labels: one series per budget and state, whatever the traffic.
import { Gauge, type Registry } from "prom-client";
import type { Logger } from "pino";
import { type WebhookClient, WebhookError } from "../webhooks/webhook-client.js";
import { pokeAfterCommit, startPassScheduler } from "../evaluation/pass-scheduler.js";
import type { Database } from "../storage/database.js";
import type { ExchangeSink } from "../stream/ports.js";
import { type BudgetPass, evaluateBudgets } from "./evaluate-budgets.js";
import { usedShare } from "./budget-spend.js";

/** How to run the evaluator. */
export interface BudgetEvaluatorOptions {
  db: Database;
  logger: Logger;
  /** Where the gauges go; absent: none. */
  registry?: Registry;
  /** Posts threshold alerts to budgets' webhooks (the control plane's one webhook client); absent: not posted. */
  webhooks?: WebhookClient;
  /** Time between passes; default 1 s. */
  intervalMs?: number;
  /** Least time between two passes started by new exchanges; default 200 ms. */
  minGapMs?: number;
  /** The evaluator's clock; default the system's (tests move it across a period boundary). */
  now?: () => Date;
}

/** A running evaluator. */
export interface BudgetEvaluator {
  /** `sink` that asks for a pass after each commit. */
  watching(sink: ExchangeSink): ExchangeSink;
  /** Runs a pass now (tests; the CLI never needs it). */
  evaluate(): Promise<BudgetPass>;
  close(): Promise<void>;
}

function budgetGauges(registry: Registry) {
  const registers = [registry];
  const scopes = new Gauge({ name: "palisade_control_plane_budget_scopes", help: "Scopes (subjects, groups, connections or models) with usage in the budget's current period, by state: ok (under the first threshold), warning (past it), spent (refused)", labelNames: ["budget", "state"], registers });
  const used = new Gauge({ name: "palisade_control_plane_budget_used_ratio", help: "Highest share of the budget used by any of its scopes in the current period (1 = spent)", labelNames: ["budget"], registers });
  return (pass: BudgetPass) => {
    scopes.reset();
    used.reset();
    for (const [name, { budget, scopes: spent }] of pass.spending) {
      const counts = { ok: 0, warning: 0, spent: 0 };
      let highest = 0;
      for (const spend of spent) {
        const share = usedShare(budget, spend);
        highest = Math.max(highest, share);
        counts[share >= 1 ? "spent" : share * 100 >= budget.thresholds[0]! ? "warning" : "ok"]++;
      }
      for (const [state, count] of Object.entries(counts)) scopes.set({ budget: name, state }, count);
      used.set({ budget: name }, highest);
    }
  };
}

/** Starts the evaluator. */
export function startBudgetEvaluator(options: BudgetEvaluatorOptions): BudgetEvaluator {
  const logger = options.logger.child({ component: "budgets" });
  const now = options.now ?? (() => new Date());
  const gauges = options.registry ? budgetGauges(options.registry) : undefined;
  let closed = false;

  const evaluate = async (): Promise<BudgetPass> => {
    const pass = await evaluateBudgets(options.db, now());
    if (!pass.evaluated) return pass;
    gauges?.(pass);
    for (const { alert, budget, threshold, resetTime } of pass.alerts) {
      logger.warn({ budget: budget.name, subject: alert.subject, threshold, summary: alert.summary }, "budget threshold reached");
      if (budget.webhook && options.webhooks) {
        const body = {
          type: "palisade.budget",
          alert: { id: alert.id, rule: alert.rule, budget: budget.name, per: budget.per, scope: alert.subject, threshold, fireTime: alert.firedAt.toISOString(), summary: alert.summary, resetTime: resetTime.toISOString() },
        };
        // Same delivery id on every attempt, as for alert rules' webhooks.
        options.webhooks.post({ url: budget.webhook, body: JSON.stringify(body), headers: { "x-palisade-delivery": `alert:${alert.id}` } }).catch((error: unknown) => {
          logger.warn({ budget: budget.name, alert: alert.id, err: error instanceof Error ? error.message : String(error), attempts: error instanceof WebhookError ? error.attempts : undefined }, "budget webhook failed");
        });
      }
    }
    return pass;
  };
  const scheduler = startPassScheduler({
    intervalMs: options.intervalMs ?? 1000,
    minGapMs: options.minGapMs ?? 200,
    pass: async () => {
      try {
        await evaluate();
      } catch (error) {
        if (!closed) logger.error({ err: error }, "budget evaluation failed");
      }
    },
  });
  return {
    watching: (sink) => pokeAfterCommit(sink, scheduler),
    evaluate,
    async close() {
      closed = true;
      await scheduler.close();
    },
  };
}

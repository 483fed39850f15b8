// Requests and tokens as Prometheus counters, by connection, model and verdict, counted as agents'
// exchanges are committed. Not by subject: every caller would be a series (unbounded cardinality,
// and identities copied into a metrics system with looser access than the audit log); per-subject
// figures come from `palisade usage --by subject` (docs/usage.md). The model comes from the caller's
// request body, so its values are capped per connection; later ones are counted as "other". So is
// the connection: a request to an unknown connection is recorded with the name the caller typed.
import { Counter, type Registry } from "prom-client";
import { Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import type { ExchangeSink } from "../stream/ports.js";

/** Distinct model label values kept per connection before the rest count as "other". */
export const MAX_MODELS_PER_CONNECTION = 50;
/** Distinct connection label values kept before the rest count as "other". */
export const MAX_CONNECTIONS = 500;

/** Decorates exchange sinks so that committed exchanges are counted. */
export interface UsageMetrics {
  instrument(sink: ExchangeSink): ExchangeSink;
}

// What one batch adds to one label set.
interface UsageSum {
  labels: { connection: string; model: string; verdict: string };
  requests: number;
  usage: boolean;
  prompt: number;
  completion: number;
  estimated: number;
}

/** Registers the usage series on `registry`. */
export function createUsageMetrics(registry: Registry): UsageMetrics {
  const registers = [registry];
  const requests = new Counter({ name: "palisade_control_plane_usage_requests_total", help: "Exchanges committed, by connection, model and verdict (a batch resent after a lost ACK counts again; palisade usage is exact)", labelNames: ["connection", "model", "verdict"], registers });
  const tokens = new Counter({ name: "palisade_control_plane_usage_tokens_total", help: "Tokens in recorded usage (as providers reported it, or as agents estimated it when none came whole), by connection, model, verdict and type (prompt or completion)", labelNames: ["connection", "model", "verdict", "type"], registers });
  const estimatedTokens = new Counter({ name: "palisade_control_plane_usage_estimated_tokens_total", help: "Of the tokens in usage_tokens_total, those agents estimated because the provider never reported the usage whole, by connection, model and verdict", labelNames: ["connection", "model", "verdict"], registers });
  const models = new Map<string, Set<string>>();
  const connectionLabel = (connection: string): string =>
    models.has(connection) || models.size < MAX_CONNECTIONS ? connection : "other";
  const modelLabel = (connection: string, model: string): string => {
    let seen = models.get(connection);
    if (!seen) models.set(connection, (seen = new Set()));
    if (seen.has(model)) return model;
    if (seen.size >= MAX_MODELS_PER_CONNECTION) return "other";
    seen.add(model);
    return model;
  };
  return {
    instrument(sink) {
      return {
        async commit(agent, exchanges) {
          const ids = await sink.commit(agent, exchanges);
          const committed = new Set(ids);
          // Summed per label set first: a batch is mostly one connection, model and verdict, and
          // each inc hashes its labels (three per exchange cost more than the rest of this).
          const sums = new Map<string, UsageSum>();
          for (const exchange of exchanges) {
            if (!committed.has(exchange.id)) continue;
            const connection = connectionLabel(exchange.connection);
            const model = modelLabel(connection, exchange.model);
            const verdict = (Verdict[exchange.verdict] ?? "UNSPECIFIED").toLowerCase();
            const key = `${connection}\n${model}\n${verdict}`;
            let sum = sums.get(key);
            if (!sum) sums.set(key, (sum = { labels: { connection, model, verdict }, requests: 0, usage: false, prompt: 0, completion: 0, estimated: 0 }));
            sum.requests += 1;
            if (exchange.usage) {
              sum.usage = true;
              sum.prompt += Number(exchange.usage.promptTokens);
              sum.completion += Number(exchange.usage.completionTokens);
              if (exchange.usage.estimated) sum.estimated += Number(exchange.usage.totalTokens);
            }
          }
          for (const { labels, requests: count, usage, prompt, completion, estimated } of sums.values()) {
            requests.inc(labels, count);
            if (!usage) continue;
            tokens.inc({ ...labels, type: "prompt" }, prompt);
            tokens.inc({ ...labels, type: "completion" }, completion);
            if (estimated > 0) estimatedTokens.inc(labels, estimated);
          }
          return ids;
        },
      };
    },
  };
}

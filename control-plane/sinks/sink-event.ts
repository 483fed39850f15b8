// The JSON event every sink sends for one audit entry (docs/siem.md). Field names follow ECS
// (`@timestamp`, `event.*`, `user.*`, `http.*`, `url.*`) and the OpenTelemetry/ECS `gen_ai.*`
// names for model and token usage, so a SIEM maps most of it without a custom parser; what has no
// ECS home is under `palisade.*`. Session events carry metadata only, never prompts or responses.
import { Verdict } from "../../gen/palisade/agent/v1/exchange_pb.js";
import type { FeedEntry } from "./audit-feed.js";

/**
 * Schema version stamped on every event (`palisade.schema`); bumped on incompatible changes. 2:
 * sessions committed together share one audit entry, so their events share `palisade.seq` and
 * are told apart by `palisade.index` (docs/siem.md).
 */
export const SINK_EVENT_SCHEMA = 2;

/** One event as sent: a plain JSON object. */
export type SinkEvent = Record<string, unknown> & { "@timestamp": string; palisade: Record<string, unknown> };

// Payload keys that could hold bodies: never forwarded, whatever an event type puts there.
const BODY_KEYS = new Set(["requestBody", "responseBody", "request_body", "response_body", "body", "prompt", "response"]);

/** The verdict's lower-case name ("allowed", "masked"...); "unspecified" for unknown values. */
export function verdictName(verdict: number): string {
  const name = Verdict[verdict];
  return name === undefined ? "unspecified" : name.toLowerCase();
}

const CATEGORY: Record<string, string[]> = {
  session: ["web"], admin: ["configuration"], alert: ["intrusion_detection"], review: ["iam"], block: ["iam"],
};

function sessionOutcome(verdict: number): string {
  if (verdict === Verdict.ALLOWED || verdict === Verdict.MASKED || verdict === Verdict.REVIEWED) return "success";
  if (verdict === Verdict.UNSPECIFIED) return "unknown";
  return "failure";
}

function withoutBodies(payload: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(payload).filter(([key]) => !BODY_KEYS.has(key)));
}

const text = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

/** The event for one audit entry. */
export function sinkEvent(entry: FeedEntry): SinkEvent {
  const payload = withoutBodies(entry.payload);
  const x = entry.exchange;
  const verdict = x ? verdictName(x.verdict) : text(payload.verdict);
  const action = text(payload.action) ?? (entry.type === "session" ? "llm-request" : entry.type);
  const event: SinkEvent = {
    "@timestamp": entry.time.toISOString(),
    event: {
      kind: entry.type === "alert" ? "alert" : "event",
      category: CATEGORY[entry.type] ?? [],
      action,
      outcome: x ? sessionOutcome(x.verdict) : text(payload.outcome) ?? "unknown",
      dataset: `palisade.${entry.type}`,
      sequence: entry.seq,
      id: text(payload.session) ?? String(entry.seq),
      ...(x?.durationMs !== undefined && x.durationMs !== null ? { duration: Math.round(x.durationMs * 1e6) } : {}),
      ...(x?.reason ? { reason: x.reason } : text(payload.reason) ? { reason: payload.reason } : {}),
    },
    observer: { vendor: "Palisade", product: "palisade" },
    palisade: {
      schema: SINK_EVENT_SCHEMA,
      seq: entry.seq,
      ...(entry.index !== undefined ? { index: entry.index } : {}),
      hash: entry.hash,
      prev_hash: entry.prevHash,
      type: entry.type,
      ...(verdict ? { verdict } : {}),
      ...(text(payload.session) ? { session: payload.session } : {}),
      ...(text(payload.connection) ? { connection: payload.connection } : {}),
      ...(x?.policy ? { policy: x.policy } : text(payload.policy) ? { policy: payload.policy } : {}),
      ...(x?.agent ? { agent: x.agent } : {}),
      ...(x?.error ? { error: x.error } : {}),
      payload,
    },
  };
  if (entry.subject !== "") {
    event.user = {
      id: entry.subject,
      ...(x?.email ? { email: x.email } : {}),
      ...(x && x.groups.length > 0 ? { group: { name: x.groups } } : {}),
    };
  }
  if (x) {
    event.http = { request: { method: x.method }, response: { status_code: x.status } };
    event.url = { path: x.path };
    event.gen_ai = {
      ...(x.model ? { request: { model: x.model } } : {}),
      ...(x.totalTokens !== null
        ? { usage: { input_tokens: x.promptTokens ?? 0, output_tokens: x.completionTokens ?? 0, total_tokens: x.totalTokens, ...(x.usageEstimated ? { estimated: true } : {}) } }
        : {}),
    };
  }
  return event;
}

// The AuditSink tables (migration 0010) as MikroORM entities.
import { defineEntity, p } from "@mikro-orm/core";

/** An AuditSink; `target` is "file", "webhook" or "syslog", `config` that target's fields (no secret). */
export const AuditSinkRow = defineEntity({
  name: "AuditSinkRow",
  tableName: "audit_sink",
  properties: {
    name: p.string().primary(),
    target: p.string(),
    config: p.json<Record<string, unknown>>(),
    /** The webhook secret sealed with the secret key; null for other targets. */
    secretSealed: p.text().nullable(),
    events: p.json<string[]>(),
    description: p.text(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});

/**
 * How far a sink has delivered: every audit_log entry up to `lastSeq`, and the first `partial`
 * sessions of the next entry (a 'sessions' entry cut by the sink's batch size; migration 0022).
 */
export const SinkCursorRow = defineEntity({
  name: "SinkCursorRow",
  tableName: "sink_cursor",
  properties: {
    sink: p.string().primary(),
    lastSeq: p.bigint(),
    partial: p.integer(),
    updatedAt: p.datetime(),
  },
});

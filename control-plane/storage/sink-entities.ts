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

/** How far a sink has delivered: the highest audit_log seq it has handed to its target. */
export const SinkCursorRow = defineEntity({
  name: "SinkCursorRow",
  tableName: "sink_cursor",
  properties: {
    sink: p.string().primary(),
    lastSeq: p.bigint(),
    updatedAt: p.datetime(),
  },
});

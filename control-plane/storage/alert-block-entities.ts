// Rows of alert rules, alerts and blocks (migration 0011). Alerts and blocks are written with SQL
// in control-plane/blocks/block-store.ts and control-plane/alerts/; mapped so the ORM knows them.
import { defineEntity, p } from "@mikro-orm/core";
import type { RuleCondition } from "../alerts/rule-settings.js";

/** An AlertRule; `condition` holds the settings of its `conditionType` with defaults filled in. */
export const AlertRuleRow = defineEntity({
  name: "AlertRuleRow",
  tableName: "alert_rule",
  properties: {
    name: p.string().primary(),
    conditionType: p.string(),
    condition: p.json<RuleCondition>(),
    autoBlockSeconds: p.integer().nullable(),
    sinks: p.json<string[]>(),
    webhook: p.text(),
    description: p.text(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});

/** One firing of a rule for one identity; unique per rule, identity and dedup key. */
export const AlertRow = defineEntity({
  name: "AlertRow",
  tableName: "alert",
  properties: {
    id: p.string().primary(),
    rule: p.string(),
    subject: p.string(),
    issuer: p.string(),
    dedupKey: p.string(),
    firedAt: p.datetime(),
    sessionIds: p.json<string[]>(),
    details: p.json<Record<string, unknown>>(),
  },
});

/** A block of one identity until `expireTime`, unless lifted earlier. */
export const BlockRow = defineEntity({
  name: "BlockRow",
  tableName: "block",
  properties: {
    id: p.bigint().primary().autoincrement(),
    subject: p.string(),
    issuer: p.string(),
    reason: p.text(),
    rule: p.string(),
    createdAt: p.datetime(),
    expireTime: p.datetime(),
    createdBy: p.string(),
    liftedAt: p.datetime().nullable(),
    liftedBy: p.string(),
  },
});

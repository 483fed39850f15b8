// Alert rules: anomalies the evaluator watches for (control-plane/alerts/), stored with their
// defaults filled in so `get` shows what is in force.
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { InferEntity } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/sql";
import { type AlertRule, Kind } from "../../../gen/palisade/admin/v1/resources_pb.js";
import { type RuleSettings, ruleMessage, ruleSettings } from "../../alerts/rule-settings.js";
import { AlertRuleRow } from "../alert-block-entities.js";
import { rowKind } from "./row-kind.js";

type Row = InferEntity<typeof AlertRuleRow>;

function settingsOf(row: Row): RuleSettings {
  return {
    name: row.name,
    condition: row.condition,
    autoBlockSeconds: row.autoBlockSeconds ?? undefined,
    sinks: row.sinks,
    webhook: row.webhook,
    description: row.description,
  };
}

function toMessage(row: Row): AlertRule {
  const message = ruleMessage(settingsOf(row));
  message.createTime = timestampFromDate(row.createdAt);
  message.updateTime = timestampFromDate(row.updatedAt);
  return message;
}

/** Every alert rule, ordered by name, as the evaluator reads them. */
export async function loadRuleSettings(em: EntityManager): Promise<RuleSettings[]> {
  const rows = await em.find(AlertRuleRow, {}, { orderBy: { name: "asc" } });
  return rows.map(settingsOf);
}

// jsonb does not keep key order: compare with keys sorted.
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === "object" && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => a.localeCompare(b)))
      : inner);
}

/** Storage of AlertRule resources. */
export const alertRules = rowKind({
  kind: Kind.ALERT_RULE,
  label: "alert rule",
  entity: AlertRuleRow,
  toMessage,
  columns: (message: AlertRule) => {
    const settings = ruleSettings(message);
    return {
      conditionType: settings.condition.type,
      condition: settings.condition,
      autoBlockSeconds: settings.autoBlockSeconds ?? null,
      sinks: settings.sinks,
      webhook: settings.webhook,
      description: settings.description,
    };
  },
  same: (row, wanted) => canonical(settingsOf(row)) === canonical(settingsOf({ ...row, ...wanted })),
});

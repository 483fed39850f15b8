// `kind: AlertRule` in the resource file: one condition (tokenSpike, repeatedViolations,
// unusualModel, requestRateSpike) with durations as people type them (`5m`, `1h`, `7d`), an optional
// `autoBlock: {for: 1h}`, sinks, webhook and description. Printed back with the defaults the server filled in.
import { create } from "@bufbuild/protobuf";
import type { Duration } from "@bufbuild/protobuf/wkt";
import {
  type AlertRule, AlertRuleSchema, AutoBlockSchema, RepeatedViolationsConditionSchema, RequestRateSpikeConditionSchema,
  ResourceSchema, type Resource, TokenSpikeConditionSchema, UnusualModelConditionSchema,
} from "../../gen/palisade/admin/v1/resources_pb.js";
import { durationField, formatDurationSeconds } from "../duration.js";
import type { Columns } from "../output.js";
import type { MappingFields } from "./yaml-fields.js";

const CONDITIONS = ["tokenSpike", "repeatedViolations", "unusualModel", "requestRateSpike"] as const;

/** The fields an AlertRule takes besides `kind` and `name`. */
export const ALERT_RULE_FIELDS = [...CONDITIONS, "autoBlock", "sinks", "webhook", "description"] as const;

/** Reads an AlertRule document (after `kind` and `name`); the server applies defaults and ranges. */
export function readAlertRule(fields: MappingFields, name: string): Resource {
  const given = CONDITIONS.flatMap((key) => {
    const inner = fields.mapping(key);
    return inner ? [{ key, inner }] : [];
  });
  if (given.length !== 1) throw fields.errorAt(given[1]?.key ?? "kind", `set exactly one condition: ${CONDITIONS.join(", ")}`);
  const { key, inner } = given[0]!;
  let condition: AlertRule["condition"];
  switch (key) {
    case "tokenSpike":
      inner.only(["window", "baseline", "factor", "minTokens"]);
      condition = { case: key, value: create(TokenSpikeConditionSchema, {
        window: durationField(inner, "window"), baseline: durationField(inner, "baseline"),
        factor: inner.number("factor", 1, 1_000_000) ?? 0, minTokens: BigInt(inner.integer("minTokens", 0, Number.MAX_SAFE_INTEGER) ?? 0),
      }) };
      break;
    case "requestRateSpike":
      inner.only(["window", "baseline", "factor", "minRequests"]);
      condition = { case: key, value: create(RequestRateSpikeConditionSchema, {
        window: durationField(inner, "window"), baseline: durationField(inner, "baseline"),
        factor: inner.number("factor", 1, 1_000_000) ?? 0, minRequests: inner.integer("minRequests", 0, 2 ** 32 - 1) ?? 0,
      }) };
      break;
    case "repeatedViolations":
      inner.only(["count", "window"]);
      condition = { case: key, value: create(RepeatedViolationsConditionSchema, {
        count: inner.integer("count", 0, 2 ** 32 - 1) ?? 0, window: durationField(inner, "window"),
      }) };
      break;
    case "unusualModel":
      inner.only(["baseline"]);
      condition = { case: key, value: create(UnusualModelConditionSchema, { baseline: durationField(inner, "baseline") }) };
      break;
  }
  const autoBlockFields = fields.mapping("autoBlock");
  autoBlockFields?.only(["for"]);
  const rule = create(AlertRuleSchema, {
    name,
    condition,
    autoBlock: autoBlockFields && create(AutoBlockSchema, { duration: durationField(autoBlockFields, "for") }),
    sinks: fields.strings("sinks"),
    webhook: fields.string("webhook") ?? "",
    description: fields.string("description") ?? "",
  });
  return create(ResourceSchema, { resource: { case: "alertRule", value: rule } });
}

function formatDuration(duration: Duration | undefined): string | undefined {
  return duration ? formatDurationSeconds(Number(duration.seconds)) : undefined;
}

function conditionView(rule: AlertRule): Record<string, unknown> {
  const c = rule.condition;
  switch (c.case) {
    case "tokenSpike":
      return { tokenSpike: { window: formatDuration(c.value.window), baseline: formatDuration(c.value.baseline), factor: c.value.factor, minTokens: Number(c.value.minTokens) } };
    case "requestRateSpike":
      return { requestRateSpike: { window: formatDuration(c.value.window), baseline: formatDuration(c.value.baseline), factor: c.value.factor, minRequests: c.value.minRequests } };
    case "repeatedViolations":
      return { repeatedViolations: { count: c.value.count, window: formatDuration(c.value.window) } };
    case "unusualModel":
      return { unusualModel: { baseline: formatDuration(c.value.baseline) } };
    default:
      return {};
  }
}

/** An AlertRule in file format (without times; the caller adds them). */
export function alertRuleView(rule: AlertRule): Record<string, unknown> & { kind: string; name: string } {
  return {
    kind: "AlertRule",
    name: rule.name,
    ...conditionView(rule),
    ...(rule.autoBlock ? { autoBlock: { for: formatDuration(rule.autoBlock.duration) } } : {}),
    ...(rule.sinks.length > 0 ? { sinks: [...rule.sinks] } : {}),
    ...(rule.webhook !== "" ? { webhook: rule.webhook } : {}),
    ...(rule.description !== "" ? { description: rule.description } : {}),
  };
}

/** Table columns of alert rules. */
export const ALERT_RULE_COLUMNS: Columns<Record<string, unknown> & { name: string }> = [
  ["name", (r) => r.name],
  ["condition", (r) => CONDITIONS.find((key) => r[key] !== undefined) ?? ""],
  ["settings", (r) => {
    const key = CONDITIONS.find((k) => r[k] !== undefined);
    return key ? Object.entries(r[key] as Record<string, unknown>).map(([k, v]) => `${k}=${String(v)}`).join(" ") : "";
  }],
  ["auto block", (r) => String((r.autoBlock as { for?: string } | undefined)?.for ?? "")],
  ["webhook", (r) => String(r.webhook ?? "")],
];

// An AlertRule as the evaluator and the store use it: the condition's settings in seconds with
// every default filled in (defaults as documented in resources.proto). The ranges are field rules
// of the contract (checked before apply); what needs the defaults — a baseline at least as long
// as its window — and the webhook rule are checked here.
import { create } from "@bufbuild/protobuf";
import { type Duration, DurationSchema } from "@bufbuild/protobuf/wkt";
import {
  type AlertRule, AlertRuleSchema, AutoBlockSchema, RepeatedViolationsConditionSchema, RequestRateSpikeConditionSchema,
  TokenSpikeConditionSchema, UnusualModelConditionSchema,
} from "../../gen/palisade/admin/v1/resources_pb.js";
import { invalid } from "../admin/input-checks.js";
import { webhookUrlProblem } from "../webhooks/webhook-url.js";

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86_400;

/** Tokens (or requests) in `window` vs `factor` times the identity's average per window over `baseline`. */
export interface SpikeSettings {
  windowSeconds: number;
  baselineSeconds: number;
  factor: number;
  /** Fewer tokens (or requests) than this in the window never fire. */
  minimum: number;
}

/** The anomaly a rule watches for; each case's stored settings. */
export type RuleCondition =
  | ({ type: "token_spike" } & SpikeSettings)
  | ({ type: "request_rate_spike" } & SpikeSettings)
  | { type: "repeated_violations"; count: number; windowSeconds: number }
  | { type: "unusual_model"; baselineSeconds: number };

/** A checked AlertRule with defaults applied. */
export interface RuleSettings {
  name: string;
  condition: RuleCondition;
  /** How long an auto block lasts; undefined: the rule only alerts. */
  autoBlockSeconds: number | undefined;
  sinks: string[];
  webhook: string;
  description: string;
}

function seconds(duration: Duration | undefined, fallback: number): number {
  return duration ? Number(duration.seconds) + duration.nanos / 1e9 : fallback;
}

function spike(what: string, window: Duration | undefined, baseline: Duration | undefined, factor: number, minimum: number,
  defaults: { window: number; minimum: number }): SpikeSettings {
  const windowSeconds = seconds(window, defaults.window);
  const baselineSeconds = seconds(baseline, HOUR);
  if (baselineSeconds < windowSeconds) throw invalid(`${what}: baseline must be at least as long as window`);
  return {
    windowSeconds,
    baselineSeconds,
    factor: factor === 0 ? 5 : factor,
    minimum: minimum === 0 ? defaults.minimum : minimum,
  };
}

/** The settings of `rule` with defaults applied; throws INVALID_ARGUMENT naming the rule and field. */
export function ruleSettings(rule: AlertRule): RuleSettings {
  const what = `alert rule "${rule.name}"`;
  const { case: type, value } = rule.condition;
  let condition: RuleCondition;
  switch (type) {
    case "tokenSpike":
      condition = { type: "token_spike", ...spike(what, value.window, value.baseline, value.factor, Number(value.minTokens), { window: 5 * MINUTE, minimum: 1000 }) };
      break;
    case "requestRateSpike":
      condition = { type: "request_rate_spike", ...spike(what, value.window, value.baseline, value.factor, value.minRequests, { window: MINUTE, minimum: 20 }) };
      break;
    case "repeatedViolations":
      condition = {
        type: "repeated_violations",
        count: value.count === 0 ? 5 : value.count,
        windowSeconds: seconds(value.window, 10 * MINUTE),
      };
      break;
    case "unusualModel":
      condition = { type: "unusual_model", baselineSeconds: seconds(value.baseline, 7 * DAY) };
      break;
    default:
      throw invalid(`${what}: set one condition: tokenSpike, repeatedViolations, unusualModel or requestRateSpike`);
  }
  const autoBlockSeconds = rule.autoBlock ? seconds(rule.autoBlock.duration, HOUR) : undefined;
  const webhookProblem = rule.webhook === "" ? undefined : webhookUrlProblem(rule.webhook);
  if (webhookProblem) throw invalid(`${what}: webhook ${webhookProblem}`);
  return { name: rule.name, condition, autoBlockSeconds, sinks: [...rule.sinks], webhook: rule.webhook, description: rule.description };
}

function duration(totalSeconds: number): Duration {
  const whole = Math.floor(totalSeconds);
  return create(DurationSchema, { seconds: BigInt(whole), nanos: Math.round((totalSeconds - whole) * 1e9) });
}

/** The AlertRule message of stored settings (times are added by the store). */
export function ruleMessage(settings: RuleSettings): AlertRule {
  const c = settings.condition;
  let condition: AlertRule["condition"];
  switch (c.type) {
    case "token_spike":
      condition = { case: "tokenSpike", value: create(TokenSpikeConditionSchema, { window: duration(c.windowSeconds), baseline: duration(c.baselineSeconds), factor: c.factor, minTokens: BigInt(c.minimum) }) };
      break;
    case "request_rate_spike":
      condition = { case: "requestRateSpike", value: create(RequestRateSpikeConditionSchema, { window: duration(c.windowSeconds), baseline: duration(c.baselineSeconds), factor: c.factor, minRequests: c.minimum }) };
      break;
    case "repeated_violations":
      condition = { case: "repeatedViolations", value: create(RepeatedViolationsConditionSchema, { count: c.count, window: duration(c.windowSeconds) }) };
      break;
    case "unusual_model":
      condition = { case: "unusualModel", value: create(UnusualModelConditionSchema, { baseline: duration(c.baselineSeconds) }) };
      break;
  }
  return create(AlertRuleSchema, {
    name: settings.name,
    condition,
    autoBlock: settings.autoBlockSeconds === undefined ? undefined : create(AutoBlockSchema, { duration: duration(settings.autoBlockSeconds) }),
    sinks: settings.sinks,
    webhook: settings.webhook,
    description: settings.description,
  });
}

// The data-protection parts of a snapshot policy, compiled once per snapshot: a mask policy's
// detectors and options (a MaskRule), a review policy's approvers and timings, and the record
// mode any policy may set. The review timing bounds are shared with the control plane's checks.
import {
  MaskDirection, MaskStyle, type Policy, RecordMode,
} from "../../gen/palisade/agent/v1/snapshot_pb.js";
import { type CompiledDetectors, compileDetectors } from "../detectors/compile-detectors.js";
import type { MaskRule } from "../detectors/mask-types.js";

export type { MaskRule } from "../detectors/mask-types.js";

/** How long a review holds a request when the policy does not say. */
export const REVIEW_WAIT_DEFAULT_MS = 30_000;
/** The longest a review may hold a request. */
export const REVIEW_WAIT_MAX_MS = 5 * 60_000;
/** How long an approval lets the same request through when the policy does not say. */
export const REVIEW_GRANT_DEFAULT_MS = 10 * 60_000;
/** The longest grant a policy may set. */
export const REVIEW_GRANT_MAX_MS = 7 * 24 * 3600_000;

/** What the audit record keeps of the bodies. */
export type RecordChoice = "masked" | "raw" | "none";

/** What a review policy asks of the hold. */
export interface ReviewRule {
  approvers: readonly string[];
  waitMs: number;
  grantMs: number;
}

const directions: Record<MaskDirection, MaskRule["direction"]> = {
  [MaskDirection.UNSPECIFIED]: "both",
  [MaskDirection.REQUEST]: "request",
  [MaskDirection.RESPONSE]: "response",
  [MaskDirection.BOTH]: "both",
};
const styles: Record<MaskStyle, MaskRule["style"]> = {
  [MaskStyle.UNSPECIFIED]: "redact",
  [MaskStyle.REDACT]: "redact",
  [MaskStyle.PSEUDONYMIZE]: "pseudonymize",
};
const records: Partial<Record<RecordMode, RecordChoice>> = {
  [RecordMode.MASKED]: "masked",
  [RecordMode.RAW]: "raw",
  [RecordMode.NONE]: "none",
};
const strictness: Record<RecordChoice, number> = { raw: 0, masked: 1, none: 2 };

/** The mask rule of a mask policy; throws (the snapshot is NACKed) when it cannot be compiled. */
export function compileMaskRule(policy: Policy, defaultPhoneRegions?: readonly string[]): MaskRule {
  const direction = directions[policy.direction];
  const style = styles[policy.style];
  if (direction === undefined) throw new Error(`policy ${policy.name}: unknown mask direction ${policy.direction}`);
  if (style === undefined) throw new Error(`policy ${policy.name}: unknown mask style ${policy.style}`);
  if (policy.detectors.length === 0 && policy.maskPatterns.length === 0 && policy.maskWords.length === 0) {
    throw new Error(`policy ${policy.name}: mask policy with no detectors, patterns or words`);
  }
  let detectors: CompiledDetectors;
  try {
    detectors = compileDetectors({
      builtins: policy.detectors, patterns: policy.maskPatterns, words: policy.maskWords,
      phoneRegion: policy.phoneRegion === "" ? undefined : policy.phoneRegion,
      defaultPhoneRegions,
    });
  } catch (error) {
    throw new Error(`policy ${policy.name}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { policy: policy.name, detectors, direction, style, restore: style === "pseudonymize" && policy.restore, allowBinary: policy.allowBinary };
}

/** The review rule of a review policy, defaults applied and the wait capped. */
export function compileReviewRule(policy: Policy): ReviewRule {
  if (policy.approvers.length === 0) throw new Error(`policy ${policy.name}: review policy with no approvers`);
  const ms = (duration: { seconds: bigint; nanos: number } | undefined) =>
    duration ? Number(duration.seconds) * 1000 + Math.floor(duration.nanos / 1e6) : 0;
  const wait = ms(policy.wait);
  const grant = ms(policy.grant);
  return {
    approvers: [...policy.approvers],
    waitMs: wait > 0 ? Math.min(wait, REVIEW_WAIT_MAX_MS) : REVIEW_WAIT_DEFAULT_MS,
    grantMs: grant > 0 ? Math.min(grant, REVIEW_GRANT_MAX_MS) : REVIEW_GRANT_DEFAULT_MS,
  };
}

/** The record mode a policy sets; undefined when it sets none; throws on an unknown value. */
export function recordChoice(policy: Policy): RecordChoice | undefined {
  if (policy.record === RecordMode.UNSPECIFIED) return undefined;
  const choice = records[policy.record];
  if (choice === undefined) throw new Error(`policy ${policy.name}: unknown record mode ${policy.record}`);
  return choice;
}

/** The more restrictive of two record modes (none, then masked, then raw); undefined means unset. */
export function stricterRecord(a: RecordChoice | undefined, b: RecordChoice | undefined): RecordChoice | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return strictness[a] >= strictness[b] ? a : b;
}

/** The record mode of an exchange: the policies' choice, else masked when a mask rule applied, else raw. */
export function resolveRecord(choice: RecordChoice | undefined, masks: readonly MaskRule[]): RecordChoice {
  return choice ?? (masks.length > 0 ? "masked" : "raw");
}

// The types shared by the masking engine and the pipeline that uses it (re-exported by
// mask-session.ts, the engine's one entry point).
import type { CompiledDetectors } from "./compile-detectors.js";

export type MaskDirection = "request" | "response" | "both";

/** One mask policy as the engine applies it. */
export interface MaskRule {
  /** Policy name, for findings. */
  policy: string;
  /** Compiled once per snapshot, shared by every exchange. */
  detectors: CompiledDetectors;
  direction: MaskDirection;
  style: "redact" | "pseudonymize";
  /** With pseudonymize: placeholders in the provider's response are replaced by the original values for the caller. */
  restore: boolean;
  /** The policy's `binary: allow`: parts that are not text (images, audio, files) may pass uninspected; absent or false: refused. */
  allowBinary?: boolean;
}

/** How many values one detector masked (or, detector "restored", how many placeholders were restored) in one place; never values. */
export interface MaskFindingCount {
  detector: string;
  location: string;
  count: number;
}

/** What the caller gets and what an audit record with `record: masked` keeps (placeholders, never restored values). */
export interface MaskedBody {
  client: Buffer;
  record: Buffer;
}

/** A rule applies to requests. */
export function forRequest(rule: MaskRule): boolean {
  return rule.direction === "request" || rule.direction === "both";
}

/** A rule applies to responses. */
export function forResponse(rule: MaskRule): boolean {
  return rule.direction === "response" || rule.direction === "both";
}

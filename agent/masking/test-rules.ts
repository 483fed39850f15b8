// Rules for the engine's tests (compiled once per file, as a snapshot would).
import { compileDetectors } from "../../core/detectors/compile-detectors.js";
import type { MaskRule } from "../../core/detectors/mask-types.js";

const emailPhone = compileDetectors({ builtins: ["email", "phone"], patterns: [], words: [] });

/** A rule over email and international phone numbers (plus `extra` fields). */
export function rule(extra: Partial<MaskRule> = {}): MaskRule {
  return { policy: "pii", detectors: emailPhone, direction: "both", style: "redact", restore: false, ...extra };
}

/** A pseudonymize + restore rule over email and phone. */
export const pseudonymRule = (extra: Partial<MaskRule> = {}): MaskRule => rule({ style: "pseudonymize", restore: true, ...extra });

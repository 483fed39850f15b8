// Durations as people type them: `90s`, `15m`, `1h`, `1h30m`, `7d`.
import { create } from "@bufbuild/protobuf";
import { DurationSchema, type Duration } from "@bufbuild/protobuf/wkt";
import { CliError } from "./errors.js";
import type { MappingFields } from "./resources/yaml-fields.js";

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Parses a duration into whole seconds; CliError when it is not one. */
export function parseDurationSeconds(text: string): number {
  const parts = [...text.matchAll(/(\d+)([smhd])/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) {
    throw new CliError(`invalid duration "${text}" (examples: 90s, 15m, 1h, 1h30m, 7d)`);
  }
  return parts.reduce((sum, [, amount, unit]) => sum + Number(amount) * UNIT_SECONDS[unit!]!, 0);
}

/** Parses a duration into the protobuf well-known type. */
export function parseDuration(text: string): Duration {
  return create(DurationSchema, { seconds: BigInt(parseDurationSeconds(text)) });
}

/** Whole seconds as `parseDurationSeconds` reads them back: `30s`, `10m`, `1h30m`, `7d`. */
export function formatDurationSeconds(seconds: number): string {
  if (seconds === 0) return "0s";
  let rest = seconds;
  let text = "";
  for (const [unit, size] of Object.entries(UNIT_SECONDS).sort((a, b) => b[1] - a[1])) {
    if (rest >= size) {
      text += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return text;
}

/** A duration field of a resource file (`wait: 5m`); undefined when absent, an error at its line when malformed. */
export function durationField(fields: MappingFields, key: string): Duration | undefined {
  const text = fields.string(key);
  if (text === undefined) return undefined;
  try {
    return parseDuration(text);
  } catch (error) {
    if (error instanceof CliError) throw fields.errorAt(key, `${key}: ${error.message}`);
    throw error;
  }
}

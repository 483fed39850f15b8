// Indexes and type names a provider gives in a stream, as the stream handlers key their state by
// them. An index must be what a reader can index an array with: a non-negative safe integer
// (`"__proto__"`, `"constructor"`, `"0"`, -1, 1.5, 2^53 are not; absent is, read as today); a type
// name is looked up among the handler's own entries only, never its table's prototype
// (`"__proto__"`, `"constructor"`, `"toString"` name no delta or block type). Anything else makes
// the stream unreadable: refused (UninspectableReply), never a crash inside the handler.
import { UninspectableReply } from "./uninspectable.js";

/** Throws UninspectableReply unless `value` is absent or a non-negative safe integer; `what` names the field. */
export function checkIndex(value: unknown, what: string): void {
  if (value === undefined || (typeof value === "number" && Number.isSafeInteger(value) && value >= 0)) return;
  throw new UninspectableReply(`an event's ${what} is ${JSON.stringify(value) ?? String(value)}, ${NO_INDEX} (a malformed event)`);
}

const NO_INDEX = "no array index a reader can use";

/** Whether `error` is checkIndex's refusal. */
export const malformedIndex = (error: unknown): boolean => error instanceof UninspectableReply && error.reason.includes(NO_INDEX);

/** `table[key]` when it is the table's own entry, else undefined (no prototype member). */
export function ownEntry<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

// Small, total readers for untyped JSON: they never throw, whatever shape the provider sent.
import type { SseEvent } from "../sse/sse-parser.js";
import type { UsageCounts } from "./provider.js";
import { parseJsonChecked } from "../masking/json-body.js";

/** The object at `value`, or undefined when it is not a plain object. */
export function objectAt(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The string at `object[key]`, or "" when absent or not a string. */
export function stringAt(value: unknown, key: string): string {
  const found = objectAt(value)?.[key];
  return typeof found === "string" ? found : "";
}

/** The non-negative integer at `object[key]`, or undefined. */
export function countAt(value: unknown, key: string): number | undefined {
  const found = objectAt(value)?.[key];
  return typeof found === "number" && Number.isFinite(found) && found >= 0 ? Math.floor(found) : undefined;
}

/**
 * Usage from the two counts (and the total when given, else their sum), with the cached part of the
 * prompt when reported; undefined when both counts and the total are missing.
 */
export function usageFrom(prompt: number | undefined, completion: number | undefined, total?: number, cached?: number): UsageCounts | undefined {
  if (prompt === undefined && completion === undefined && total === undefined) return undefined;
  const promptTokens = prompt ?? 0;
  const completionTokens = completion ?? 0;
  const usage: UsageCounts = { promptTokens, completionTokens, totalTokens: total ?? promptTokens + completionTokens };
  if (cached !== undefined && cached > 0) usage.cachedTokens = Math.min(cached, promptTokens);
  return usage;
}

/** Parses JSON, or undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  // The end of an OpenAI stream, once per stream: not JSON, told without a parse that throws
  // (building the SyntaxError cost more than reading every other event of the stream's record).
  if (text === "[DONE]") return undefined;
  return parseJsonChecked(text);
}

/** An event's data as JSON: the value an earlier reader parsed when it came with one, else parsed here. */
export function eventJson(event: SseEvent): unknown {
  return event.json ? event.json.value : parseJson(event.data);
}

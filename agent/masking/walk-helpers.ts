// Small total readers the request and response walkers share.

/** The object at `value`, or undefined when it is not a plain object. */
export function objectAt(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Calls `visit` for each element of `value` when it is an array. */
export function eachOf(value: unknown, visit: (element: unknown, index: number) => void): void {
  if (Array.isArray(value)) value.forEach(visit);
}

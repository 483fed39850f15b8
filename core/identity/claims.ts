// Reading identity facts out of verified JWT claims.
import type { JWTPayload } from "jose";

/** The value at a dot path (`realm_access.roles`) in the claims, or undefined. */
export function claimAt(claims: JWTPayload, path: string): unknown {
  let current: unknown = claims;
  for (const key of path.split(".")) {
    if (typeof current !== "object" || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Groups from the claim at `path`: a string is one group, an array gives its strings; anything else none. */
export function groupsFrom(claims: JWTPayload, path: string): string[] {
  if (!path) return [];
  const value = claimAt(claims, path);
  if (typeof value === "string") return value ? [value] : [];
  if (Array.isArray(value)) return value.filter((group): group is string => typeof group === "string" && group !== "");
  return [];
}

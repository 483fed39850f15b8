// The agent's software version, as package.json states it (sent in the Hello).
// Imported, not read from a path: the compiled build (dist/) sits one level deeper than the sources.
import pkg from "../package.json" with { type: "json" };

/** The version field of the project's package.json, or "0.0.0" when it has none. */
export function agentVersion(): string {
  const version: unknown = (pkg as { version?: unknown }).version;
  return typeof version === "string" ? version : "0.0.0";
}

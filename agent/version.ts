// The agent's software version, as package.json states it (sent in the Hello).
import { readFileSync } from "node:fs";

/** The version field of the project's package.json, or "0.0.0" when it cannot be read. */
export function agentVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version?: unknown };
    return typeof pkg.version === "string" ? pkg.version : "0.0.0";
  } catch {
    return "0.0.0";
  }
}

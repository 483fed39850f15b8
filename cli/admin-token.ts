// The admin token of `palisade up`: from PALISADE_ADMIN_TOKEN, else the data directory's
// admin-token file, else a new one written there (mode 0600) so later commands find it.
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ADMIN_TOKEN_FILE, nonEmpty, readAdminTokenFile } from "./settings.js";

/** Where the token came from, for telling the user. */
export type AdminTokenSource = "environment" | "file" | "generated";

/** The admin token for a data directory, creating and saving one on first use. */
export async function upAdminToken(
  env: Readonly<Record<string, string | undefined>>,
  dataDir: string,
): Promise<{ token: string; source: AdminTokenSource }> {
  const fromEnv = nonEmpty(env.PALISADE_ADMIN_TOKEN);
  if (fromEnv !== undefined) return { token: fromEnv, source: "environment" };
  const stored = readAdminTokenFile(dataDir);
  if (stored !== undefined) return { token: stored, source: "file" };
  const token = generateAdminToken();
  // `wx`: never overwrite a token another process has just written.
  await writeFile(join(dataDir, ADMIN_TOKEN_FILE), `${token}\n`, { mode: 0o600, flag: "wx" });
  return { token, source: "generated" };
}

/** A new admin token in the contract's format: `pat_` + base64url of 32 random bytes. */
export function generateAdminToken(): string {
  return `pat_${randomBytes(32).toString("base64url")}`;
}

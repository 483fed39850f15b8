// Runs admin API calls with the resolved server and token, turning failures into clear errors.
import type { AdminClients } from "./client.js";
import type { CliContext } from "./context.js";
import { adminFailure } from "./errors.js";
import { adminSettings, type AdminFlags } from "./settings.js";

/** Calls the admin API; unreachable, unauthorised and refused calls become CliErrors. */
export async function withAdmin<T>(
  ctx: CliContext,
  flags: AdminFlags,
  call: (clients: AdminClients) => Promise<T>,
): Promise<T> {
  const settings = adminSettings(flags, ctx.env);
  try {
    return await call(ctx.connect(settings.server, settings.token, settings.caFile));
  } catch (error) {
    throw adminFailure(error, settings.server);
  }
}

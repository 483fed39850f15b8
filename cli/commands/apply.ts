// `palisade apply -f FILE`: every resource of the file in one all-or-nothing Apply call.
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { Outcome } from "../../gen/palisade/admin/v1/resource_service_pb.js";
import { withAdmin } from "../admin.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { kindLabel } from "../resources/kinds.js";
import { parseResources, ResourceFileError, type LocatedResource } from "../resources/parse-resources.js";
import { withAdminOptions, type AdminFlags } from "../settings.js";

interface ApplyFlags extends AdminFlags {
  filename: string;
}

/** Registers `apply`. */
export function registerApply(program: Command, ctx: CliContext): void {
  withAdminOptions(
    program
      .command("apply")
      .description("create or update the resources of a YAML file (several --- documents), all or nothing")
      .requiredOption("-f, --filename <file>", "resource file; - reads standard input"),
  ).action(async (flags: ApplyFlags) => {
    const resources = await readResourceFile(ctx, flags.filename);
    const response = await withAdmin(ctx, flags, (admin) =>
      admin.resources.apply({ resources: resources.map((r) => r.resource) }),
    );
    for (const result of response.results) {
      ctx.out(`${kindLabel(result.kind)}/${result.name} ${outcomeName(result.outcome)}\n`);
    }
  });
}

/** Reads and parses a resource file (or stdin for `-`); mistakes name the file and document. */
export async function readResourceFile(ctx: CliContext, filename: string): Promise<LocatedResource[]> {
  const label = filename === "-" ? "stdin" : filename;
  let text: string;
  try {
    text = filename === "-" ? await ctx.readStdin() : await readFile(filename, "utf8");
  } catch (error) {
    throw new CliError(`cannot read ${label}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    const resources = parseResources(text);
    if (resources.length === 0) throw new CliError(`${label}: no resources in the file`);
    return resources;
  } catch (error) {
    if (error instanceof ResourceFileError) throw new CliError(`${label}: ${error.message}; nothing was applied`);
    throw error;
  }
}

function outcomeName(outcome: Outcome): string {
  switch (outcome) {
    case Outcome.CREATED:
      return "created";
    case Outcome.UPDATED:
      return "updated";
    case Outcome.UNCHANGED:
      return "unchanged";
    default:
      return "applied";
  }
}

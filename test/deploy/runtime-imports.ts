// The modules `node cli/bin.js` can load: walked from the entry point through relative imports,
// static and dynamic, so the image can be checked to hold them all.
import { existsSync, readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { ROOT } from "./deploy-files.js";

/** What the entry point reaches: repository files and the npm packages they import. */
export interface RuntimeImports {
  /** Repository-relative paths of every reachable source file. */
  files: string[];
  /** Package names imported from reachable files (`node:` built-ins left out). */
  packages: Set<string>;
}

// `from "x"` only in an import or export statement (which ends with `;` in this code base), so a
// variable named `from` is never taken for one; plus `import "x"` and `import("x")`.
const SPECIFIER = /(?:^\s*(?:import|export)\b[^;]*?\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm;

/** Walks the import graph from `entry` (repository-relative). */
export function runtimeImports(entry: string): RuntimeImports {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const pending = [resolve(ROOT, entry)];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const [, specifier = ""] of readFileSync(file, "utf8").matchAll(SPECIFIER)) {
      if (specifier.startsWith("node:")) continue;
      if (specifier.startsWith(".")) pending.push(sourceOf(resolve(dirname(file), specifier), file));
      else packages.add(packageName(specifier));
    }
  }
  return { files: [...seen].map((file) => relative(ROOT, file)).sort(), packages };
}

/** A `./x.js` specifier names `./x.ts` in this TypeScript-run project. */
function sourceOf(path: string, from: string): string {
  for (const candidate of [path, path.replace(/\.js$/, ".ts")]) if (existsSync(candidate)) return candidate;
  throw new Error(`${relative(ROOT, from)} imports ${relative(ROOT, path)}, which does not exist`);
}

function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/** Whether `npm ci --omit=dev` installs `name` (a production dependency, direct or not). */
export function installedWithoutDev(name: string): boolean {
  const lock = JSON.parse(readFileSync(resolve(ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, { dev?: boolean; devOptional?: boolean } | undefined>;
  };
  const entry = lock.packages[`node_modules/${name}`];
  return entry !== undefined && entry.dev !== true && entry.devOptional !== true;
}

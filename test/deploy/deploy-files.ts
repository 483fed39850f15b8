// Reading what deploy/ ships: YAML documents, kustomizations, the Dockerfile's stages, and the
// environment names the CLI reads (the only names a manifest may set).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { parseAllDocuments } from "yaml";

export const ROOT = resolve(import.meta.dirname, "../..");
export const DEPLOY = join(ROOT, "deploy");

/** A parsed YAML mapping. */
export type Doc = Record<string, unknown>;

/** Every document of a YAML file; a syntax error fails with the file's name. */
export function readYaml(file: string): Doc[] {
  const docs = parseAllDocuments(readFileSync(file, "utf8"));
  return docs.map((doc, i) => {
    if (doc.errors.length > 0) throw new Error(`${relative(ROOT, file)}: ${doc.errors[0]!.message}`);
    const value: unknown = doc.toJS();
    if (!isDoc(value)) throw new Error(`${relative(ROOT, file)}: document ${i + 1} is not a mapping`);
    return value;
  });
}

/** The .yaml/.yml files under `dir`, sorted, as absolute paths. */
export function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...yamlFiles(path));
    else if (/\.ya?ml$/.test(name)) out.push(path);
  }
  return out;
}

/** What a kustomization file names, resolved against its directory. */
export interface Kustomization {
  file: string;
  doc: Doc;
  /** `resources`: files, or directories holding a kustomization.yaml. */
  resources: string[];
  /** `patches[].path`. */
  patches: string[];
}

/** Reads a kustomization file. */
export function readKustomization(file: string): Kustomization {
  const [doc] = readYaml(file);
  if (doc === undefined) throw new Error(`${relative(ROOT, file)} is empty`);
  const dir = dirname(file);
  const resources = strings(doc.resources).map((entry) => resolve(dir, entry));
  const patches = list(doc.patches).map((patch) => resolve(dir, String((patch as Doc).path)));
  return { file, doc, resources, patches };
}

/** The kustomization file of a `resources` entry that is a directory, else undefined. */
export function kustomizationIn(path: string): string | undefined {
  const file = join(path, "kustomization.yaml");
  return existsSync(path) && statSync(path).isDirectory() && existsSync(file) ? file : undefined;
}

/** A Dockerfile instruction: its keyword (upper case) and the rest of its (joined) lines. */
export interface Instruction {
  keyword: string;
  args: string;
}

/** The Dockerfile's stages in order, each its instructions from FROM on; `args` holds global ARGs. */
export function dockerStages(text: string): { args: Map<string, string>; stages: Instruction[][] } {
  const joined = text.replace(/\\\r?\n/g, " ");
  const args = new Map<string, string>();
  const stages: Instruction[][] = [];
  for (const line of joined.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const [, keyword = "", rest = ""] = /^(\S+)\s*(.*)$/.exec(trimmed) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args: rest.trim() };
    if (instruction.keyword === "FROM") stages.push([instruction]);
    else if (stages.length > 0) stages.at(-1)!.push(instruction);
    else if (instruction.keyword === "ARG") {
      const [name = "", value = ""] = instruction.args.split("=", 2);
      args.set(name, value);
    }
  }
  return { args, stages };
}

/** Environment names the CLI reads (`env.NAME` in cli/), which are all the process settings. */
export function envNamesReadByCli(): Set<string> {
  const names = new Set<string>();
  for (const file of sourceFiles(join(ROOT, "cli"))) {
    for (const match of readFileSync(file, "utf8").matchAll(/\benv\.([A-Z][A-Z0-9_]*)\b/g)) names.add(match[1]!);
  }
  return names;
}

/** Environment names docs/configuration.md documents (backquoted upper-case names). */
export function envNamesDocumented(): Set<string> {
  const text = readFileSync(join(ROOT, "docs/configuration.md"), "utf8");
  return new Set([...text.matchAll(/`([A-Z][A-Z0-9]*_[A-Z0-9_]+)`/g)].map((match) => match[1]!));
}

/** Non-test TypeScript files under `dir`. */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith(".ts") && !name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

/** Narrows an unknown to a mapping. */
export function isDoc(value: unknown): value is Doc {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An array, or [] for anything else. */
export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function strings(value: unknown): string[] {
  return list(value).map(String);
}

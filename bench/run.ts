// `npm run bench [NAME…]`: runs each `bench/*.bench.ts` (or only those named), prints a table of
// its figures beside the committed baseline (`bench/results/baseline.json`) with the ratio
// current / baseline, and writes `bench/results/<name>.json`. Figures are machine-dependent: the
// ratio is meant for comparing runs on one machine; refresh the baseline deliberately
// (`npm run bench -- --update-baseline`) when the change is understood.
import { readdir, readFile, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Bench, Metric } from "./bench.js";

const here = dirname(fileURLToPath(import.meta.url));
const resultsDir = join(here, "results");
const baselineFile = join(resultsDir, "baseline.json");

type Figures = Record<string, Record<string, number>>;

async function readBaseline(): Promise<Figures> {
  try {
    return JSON.parse(await readFile(baselineFile, "utf8")) as Figures;
  } catch {
    return {};
  }
}

function format(value: number): string {
  if (!Number.isFinite(value)) return "—";
  return value >= 100 ? value.toFixed(0) : value >= 1 ? value.toFixed(2) : value.toPrecision(3);
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => (column === 0 || column === 5 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join("  ")).join("\n");
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const update = args.includes("--update-baseline");
  // `peers` names the overhead bench's peer column (Portkey): it runs the overhead bench.
  const only = args.filter((arg) => !arg.startsWith("--")).map((arg) => (arg === "peers" ? "overhead" : arg));
  const files = (await readdir(here)).filter((file) => file.endsWith(".bench.ts")).sort();
  const baseline = await readBaseline();
  for (const file of files) {
    const name = basename(file, ".bench.ts");
    if (only.length > 0 && !only.includes(name)) continue;
    const bench = (await import(pathToFileURL(join(here, file)).href)).default as Bench;
    console.log(`\n# ${name}: ${bench.description}\n`);
    const metrics: Metric[] = await bench.run();
    const before = baseline[name] ?? {};
    const rows = [["metric", "value", "unit", "baseline", "ratio", "note"]];
    for (const metric of metrics) {
      const base = before[metric.name];
      rows.push([metric.name, format(metric.value), metric.unit, base === undefined ? "—" : format(base), base ? `${(metric.value / base).toFixed(2)}x` : "—", metric.note ?? ""]);
    }
    console.log(table(rows));
    const figures = Object.fromEntries(metrics.map((metric) => [metric.name, metric.value]));
    await writeFile(join(resultsDir, `${name}.json`), `${JSON.stringify({ name, date: new Date().toISOString(), node: process.version, metrics }, null, 2)}\n`);
    if (update) baseline[name] = figures;
  }
  if (update) {
    await writeFile(baselineFile, `${JSON.stringify(baseline, null, 2)}\n`);
    console.log(`\nbaseline updated: ${baselineFile}`);
  }
}

main().then(
  () => process.exit(0), // servers started by a bench must not keep the process alive
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

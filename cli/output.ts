// Command output: JSON (one document, an array for lists), YAML (one document per item, so a
// list can be re-applied) or a table for people. Only output goes to stdout.
import { Option } from "commander";
import { stringify } from "yaml";

export const OUTPUT_FORMATS = ["json", "yaml", "table"] as const;
/** How a command prints what it got. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** A table's columns: header and how to read the cell from an item. */
export type Columns<T> = ReadonlyArray<readonly [header: string, cell: (item: T) => string]>;

/** `-o, --output FORMAT` with the given default. */
export function outputOption(defaultFormat: OutputFormat): Option {
  return new Option("-o, --output <format>", "output format").choices(OUTPUT_FORMATS).default(defaultFormat);
}

/** Renders a list: a JSON array, YAML documents separated by `---`, or a table. */
export function renderList<T extends object>(format: OutputFormat, items: readonly T[], columns: Columns<T>): string {
  switch (format) {
    case "json":
      return `${JSON.stringify(items, null, 2)}\n`;
    case "yaml":
      return items.map((item) => yaml(item)).join("---\n");
    case "table":
      return items.length === 0 ? "" : renderTable(items, columns);
  }
}

/** Renders one item as JSON or YAML; `table` uses the caller's human layout. */
export function renderOne<V extends object>(format: Exclude<OutputFormat, "table">, item: V): string {
  return format === "json" ? `${JSON.stringify(item, null, 2)}\n` : yaml(item);
}

// Long strings (bodies, errors) stay on one line: folded lines would alter what scripts read.
function yaml(value: object): string {
  return stringify(value, { lineWidth: 0 });
}

/** Aligned columns under an upper-case header; the last column is not padded. */
export function renderTable<T>(items: readonly T[], columns: Columns<T>): string {
  const rows = [
    columns.map(([header]) => header.toUpperCase()),
    ...items.map((item) => columns.map(([, cell]) => oneLine(cell(item)))),
  ];
  const widths = columns.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return (
    rows
      .map((row) =>
        row
          .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
          .join("  ")
          .trimEnd(),
      )
      .join("\n") + "\n"
  );
}

/** A timestamp for tables: UTC to the second. */
export function shortTime(date: Date | undefined): string {
  return date === undefined ? "" : `${date.toISOString().slice(0, 19)}Z`;
}

// Table cells are single lines; a newline would break the alignment.
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ");
}

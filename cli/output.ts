// Command output: JSON (one document, an array for lists), YAML (one document per item, so a
// list can be re-applied), JSON lines (long lists) or a table for people. Only output goes to stdout.
import { Option } from "commander";
import { stringify } from "yaml";
import type { CliContext } from "./context.js";

export const OUTPUT_FORMATS = ["json", "yaml", "table"] as const;
/** How a command prints what it got. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Formats of lists that stream: also JSON lines, one item a line. */
export const LIST_FORMATS = [...OUTPUT_FORMATS, "jsonl"] as const;
/** How a streaming list is printed. */
export type ListFormat = (typeof LIST_FORMATS)[number];

/** A table's columns: header and how to read the cell from an item. */
export type Columns<T> = ReadonlyArray<readonly [header: string, cell: (item: T) => string]>;

/** `-o, --output FORMAT` with the given default, among `formats`. */
export function outputOption(defaultFormat: ListFormat, formats: readonly ListFormat[] = OUTPUT_FORMATS): Option {
  return new Option("-o, --output <format>", "output format").choices(formats).default(defaultFormat);
}

/** Renders a list: a JSON array, YAML documents separated by `---`, JSON lines, or a table. */
export function renderList<T extends object>(format: ListFormat, items: readonly T[], columns: Columns<T>): string {
  switch (format) {
    case "json":
      return `${JSON.stringify(items, null, 2)}\n`;
    case "yaml":
      return items.map((item) => yaml(item)).join("---\n");
    case "jsonl":
      return items.map((item) => `${JSON.stringify(item)}\n`).join("");
    case "table":
      return items.length === 0 ? "" : renderTable(items, columns);
  }
}

/**
 * Writes a list as its items arrive, byte for byte as renderList would print it, waiting for
 * room on stdout between items: memory holds what the reader has not taken, not the list. A
 * table is the exception: its columns fit the widest cell, so it is printed once all rows are in.
 * Resolves with the number of items.
 */
export async function writeList<T extends object>(
  ctx: CliContext,
  format: ListFormat,
  items: AsyncIterable<T> | Iterable<T>,
  columns: Columns<T>,
): Promise<number> {
  let count = 0;
  if (format === "table") {
    const rows: T[] = [];
    for await (const item of items) rows.push(item);
    if (rows.length > 0) await ctx.write(renderTable(rows, columns));
    return rows.length;
  }
  for await (const item of items) {
    await ctx.write(listItem(format, item, count));
    count += 1;
  }
  if (format === "json") await ctx.write(count === 0 ? "[]\n" : "\n]\n");
  return count;
}

// Item `index` of a streamed list with what separates it from the previous one. In JSON.stringify's
// indented array each element's lines are indented two more spaces (a JSON string never holds a
// raw newline, so every newline is a line break of the layout).
function listItem(format: Exclude<ListFormat, "table">, item: object, index: number): string {
  switch (format) {
    case "json":
      return `${index === 0 ? "[\n" : ",\n"}  ${JSON.stringify(item, null, 2).replaceAll("\n", "\n  ")}`;
    case "yaml":
      return `${index === 0 ? "" : "---\n"}${yaml(item)}`;
    case "jsonl":
      return `${JSON.stringify(item)}\n`;
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

// The JSON-lines export: one line per item, `{"entry":{…}}` with exactly the fields the entry's
// hash covers plus the hash, `{"checkpoint":{…}}` right after the entry it signs. Times are the
// canonical RFC 3339 UTC millisecond strings the hashes and signatures cover.
import type { AuditEntry } from "./audit-entry.js";
import type { CheckpointRecord } from "./checkpoint-token.js";

/** One line of an export. */
export type ExportItem = { entry: AuditEntry } | { checkpoint: CheckpointRecord };

/** The JSONL line of `item` (newline included). */
export function exportLine(item: ExportItem): string {
  return `${JSON.stringify(item)}\n`;
}

/** Parses one line; throws naming the line when it is not an export item. */
export function parseExportLine(line: string, lineNumber: number): ExportItem {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new Error(`line ${lineNumber}: not JSON`);
  }
  if (value && typeof value === "object") {
    const item = value as Partial<{ entry: AuditEntry; checkpoint: CheckpointRecord }>;
    if (item.entry && typeof item.entry.seq === "number") return { entry: item.entry };
    if (item.checkpoint && typeof item.checkpoint.seq === "number") return { checkpoint: item.checkpoint };
  }
  throw new Error(`line ${lineNumber}: neither {"entry": …} nor {"checkpoint": …}`);
}

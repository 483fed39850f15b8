// Offline verification of an export: the chain as the file holds it and its checkpoints under
// public keys the auditor obtained separately. Nothing here talks to a control plane or database,
// so session rows are not compared (their digests are in the entries, covered by the chain).
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { JWK } from "jose";
import { type AuditEntry, GENESIS_HASH } from "./audit-entry.js";
import { type CheckpointJwk, type CheckpointRecord, VALID_FROM, VALID_TO } from "./checkpoint-token.js";
import { type ExportItem, parseExportLine } from "./export-format.js";
import { verifyChain, type VerifyReport } from "./verify-chain.js";

const PAGE = 2000;

/** The keys of a JWK or JWKS document (JSON text). */
export function parseKeys(text: string): JWK[] {
  const document = JSON.parse(text) as JWK & { keys?: JWK[] };
  const keys = Array.isArray(document.keys) ? document.keys : [document];
  if (keys.some((key) => typeof key.kid !== "string" || key.kty !== "EC")) {
    throw new Error("expected an EC public JWK (or a JWKS of them), each with a kid");
  }
  for (const key of keys as CheckpointJwk[]) {
    for (const member of [VALID_FROM, VALID_TO] as const) {
      const seq = key[member];
      if (seq !== undefined && !(Number.isSafeInteger(seq) && seq >= 1)) throw new Error(`key ${key.kid}: ${member} must be a seq (a whole number from 1)`);
    }
  }
  return keys;
}

/** Verifies items in export order (entries ascending, checkpoints after their entries). */
export async function verifyItems(items: () => AsyncIterable<ExportItem>, keys: readonly JWK[]): Promise<VerifyReport> {
  const checkpoints: CheckpointRecord[] = [];
  let first: AuditEntry | undefined;
  for await (const item of items()) {
    if ("checkpoint" in item) checkpoints.push(item.checkpoint);
    else first ??= item.entry;
  }
  if (!first) return { ok: true, entriesChecked: 0, checkpointsChecked: 0 };
  const fromSeq = first.seq;
  return verifyChain({
    pages: entryPages(items),
    checkpoints,
    keys: new Map(keys.map((key) => [String(key.kid), key])),
    fromSeq,
    // A whole-log export starts at the genesis; a partial one is checked from its first entry on.
    prevHash: fromSeq === 1 ? GENESIS_HASH : undefined,
  });
}

async function* entryPages(items: () => AsyncIterable<ExportItem>): AsyncGenerator<AuditEntry[]> {
  let page: AuditEntry[] = [];
  for await (const item of items()) {
    if (!("entry" in item)) continue;
    page.push(item.entry);
    if (page.length === PAGE) {
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}

/** The items of an export file, read line by line (twice is fine: files are re-opened). */
export function fileItems(path: string): () => AsyncIterable<ExportItem> {
  return async function* () {
    const lines = createInterface({ input: createReadStream(path, "utf8"), crlfDelay: Infinity });
    let number = 0;
    for await (const line of lines) {
      number += 1;
      if (line.trim() !== "") yield parseExportLine(line, number);
    }
  };
}

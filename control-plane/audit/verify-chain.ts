// Re-walks the chain: seqs without gaps, each prev_hash the previous entry's hash, each hash
// recomputed from the entry's own fields, every checkpoint's signature and its claims against the
// entries it covers. The same walk serves the online verifier (pages from the database, plus
// session digests) and the offline one (an export file and a public key).
import { type AuditEntry, entryHash } from "./audit-entry.js";
import { type CheckpointKeys, type CheckpointRecord, checkpointProblem } from "./checkpoint-token.js";
import { createHandoverCheck } from "./handover-check.js";

/** The first thing found wrong, at the lowest seq. */
export interface ChainBreak {
  seq: number;
  problem: string;
}

/** The outcome of a verification. */
export interface VerifyReport {
  ok: boolean;
  entriesChecked: number;
  checkpointsChecked: number;
  firstBroken?: ChainBreak;
  /** The newest checkpoint that verified, below the first break; absent when there is none. */
  lastCheckpoint?: CheckpointRecord;
}

/** What to walk. */
export interface ChainInput {
  /** Entries in seq order, in pages, starting at `fromSeq`. */
  pages: AsyncIterable<readonly AuditEntry[]>;
  /** The checkpoints whose seq is in the walked range. */
  checkpoints: readonly CheckpointRecord[];
  keys: CheckpointKeys;
  /** The first seq expected (1 for the whole log). */
  fromSeq: number;
  /** The last seq expected, when the range has an end that must be reached. */
  toSeq?: number;
  /** The hash the first entry's prev_hash must equal; undefined when unknown (range mid-chain). */
  prevHash?: string;
  /** More checks per page (session digests online); problems it finds join the chain's. */
  checkPage?(entries: readonly AuditEntry[]): Promise<ChainBreak[]>;
}

/** Walks `input`; stops after the first page where something is broken and names the lowest seq. */
export async function verifyChain(input: ChainInput): Promise<VerifyReport> {
  const problems: ChainBreak[] = [];
  const byCheckpointSeq = new Map(input.checkpoints.map((checkpoint) => [checkpoint.seq, checkpoint]));
  for (const checkpoint of input.checkpoints) {
    const problem = await checkpointProblem(checkpoint, input.keys);
    if (problem) problems.push({ seq: checkpoint.seq, problem });
    else if (checkpoint.count !== checkpoint.seq) {
      problems.push({ seq: checkpoint.seq, problem: `checkpoint at seq ${checkpoint.seq} counts ${checkpoint.count} entries` });
    }
  }
  let expectedSeq = input.fromSeq;
  let prevHash = input.prevHash;
  let entriesChecked = 0;
  const handovers = createHandoverCheck(input.checkpoints);
  for await (const page of input.pages) {
    const before = problems.length;
    for (const entry of page) {
      entriesChecked += 1;
      const problem = entryProblem(entry, expectedSeq, prevHash);
      if (problem) problems.push(problem);
      const checkpoint = byCheckpointSeq.get(entry.seq);
      if (checkpoint && checkpoint.hash !== entry.hash) {
        problems.push({ seq: entry.seq, problem: `entry ${entry.seq} does not match the signed checkpoint at its seq` });
      }
      handovers.see(entry);
      expectedSeq = entry.seq + 1;
      prevHash = entry.hash;
    }
    if (input.checkPage) problems.push(...await input.checkPage(page));
    problems.push(...handovers.problems());
    if (problems.length > before) break;
  }
  const last = expectedSeq - 1;
  const end = Math.max(input.toSeq ?? last, ...input.checkpoints.map((checkpoint) => checkpoint.seq));
  if (problems.length === 0 && end > last) {
    problems.push({ seq: last + 1, problem: `entries ${last + 1}..${end} are missing (the log ends at ${last})` });
  }
  const firstBroken = problems.sort((a, b) => a.seq - b.seq)[0];
  // Checkpoints at or past the first break, or broken themselves, vouch for nothing.
  const lastCheckpoint = input.checkpoints
    .filter((checkpoint) => checkpoint.seq <= last && (!firstBroken || checkpoint.seq < firstBroken.seq))
    .reduce<CheckpointRecord | undefined>((newest, checkpoint) => (!newest || checkpoint.seq > newest.seq ? checkpoint : newest), undefined);
  return { ok: !firstBroken, entriesChecked, checkpointsChecked: input.checkpoints.length, firstBroken, lastCheckpoint };
}

function entryProblem(entry: AuditEntry, expectedSeq: number, prevHash: string | undefined): ChainBreak | undefined {
  if (entry.seq > expectedSeq) {
    return { seq: expectedSeq, problem: `entry ${expectedSeq} is missing (the next entry is ${entry.seq})` };
  }
  if (entry.seq < expectedSeq) {
    return { seq: entry.seq, problem: `entry ${entry.seq} appears again after ${expectedSeq - 1}` };
  }
  if (prevHash !== undefined && entry.prev_hash !== prevHash) {
    return { seq: entry.seq, problem: `entry ${entry.seq}: prev_hash is not the hash of entry ${entry.seq - 1}` };
  }
  if (entryHash(entry) !== entry.hash) {
    return { seq: entry.seq, problem: `entry ${entry.seq}: hash does not match its contents (edited or moved)` };
  }
  return undefined;
}
